/**
 * What running the example rule set (rules/) costs a fork-heavy host, side by
 * side in one run: a fork+exit loop alone; with `kernwatch rules test rules/`
 * (filters and counts in the kernel, the rest in userspace); with only the
 * rule files whose high-rate events the kernel filters or counts entirely
 * (the kernel tier's own cost); with rules/ plus 100 and 1,000 generated
 * rules (what a large rule library costs: past 62 selections rules share a
 * kernel bit and are filtered by kind only); with `kernwatch tail` of every
 * event (everything into JavaScript); with bpftrace counting the same
 * tracepoints in kernel maps, the cheapest thing a tracer can do with every
 * event. Each kernwatch line says the records that reached JavaScript, those
 * lost, and its resident memory at the end of the loop.
 */
import { CgroupPaths } from '../src/events/cgroup_paths';
import { eventByName } from '../src/events/catalog';
import { checkRuleSources } from '../src/dsl';
import { findRuleFiles } from '../src/dsl/rule_files';
import { planKernel } from '../src/engine/kernel_plan';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { generatedRuleDir } from './support/fixtures';
import { bpftrace, kernwatch, prepare, report, ROOT, rounds } from './support/side_by_side';

interface RuleSetInfo {
  readonly events: string[];
  /** a copy of the rule files whose high-rate selections never reach userspace one by one */
  readonly kernelDecidedDir: string;
  readonly kernelDecidedFiles: string[];
}

/** rules/ plus `n` generated rules in a temporary directory: OOM rules per service, fork windows per team cgroup. */
function withGenerated(n: number): string {
  return generatedRuleDir(n, (i) =>
    i % 2 === 0
      ? `rule "gen-oom-${i}" { when oom.victim and cgroup matches "/prod/svc${i}/**" severity critical then stdout }`
      : `rule "gen-forks-${i}" { when count(process.fork) > ${1000 + i} within 10s by cgroup except cgroup matches "/team${i}/build*/**" then stdout }`,
  );
}

function ruleSets(): RuleSetInfo {
  const files = findRuleFiles([path.join(ROOT, 'rules')]);
  const checked = checkRuleSources(files.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') })));
  const plan = planKernel(checked.rules, CgroupPaths.forHost().tree(0));
  const shipsEveryEvent = new Set(
    plan.selections.filter((s) => s.spec.highRate && !s.counted && !s.placements.some((p) => p.tier === 'kernel')).map((s) => s.rule.file),
  );
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-bench-rules-'));
  const kept = files.filter((f) => !shipsEveryEvent.has(f));
  for (const f of kept) fs.copyFileSync(f, path.join(dir, path.basename(f)));
  return { events: [...plan.events], kernelDecidedDir: dir, kernelDecidedFiles: kept.map((f) => path.basename(f)) };
}

async function main(): Promise<void> {
  if (!prepare()) {
    console.log('engine_overhead: skipped, needs root');
    return;
  }
  const sets = ruleSets();
  const events = sets.events;
  const tracepoints = events.map((e) => (eventByName(e)?.tracepoint ?? '').replace('/', ':'));
  const count = tracepoints.map((tp) => `tracepoint:${tp} { @[probe] = count(); }`).join('\n');
  const generated100 = withGenerated(100);
  const generated1000 = withGenerated(1000);
  const samples = await rounds([
    { name: 'nothing attached', start: () => Promise.resolve(undefined) },
    { name: 'kernwatch rules/', start: () => kernwatch(['rules', 'test', path.join(ROOT, 'rules'), '--duration', '1h'], /testing \d+ rules/) },
    { name: 'kernwatch kernel-decided', start: () => kernwatch(['rules', 'test', sets.kernelDecidedDir, '--duration', '1h'], /testing \d+ rules/) },
    { name: 'kernwatch rules/ + 100', start: () => kernwatch(['rules', 'test', generated100, '--duration', '1h'], /testing \d+ rules/) },
    { name: 'kernwatch rules/ + 1000', start: () => kernwatch(['rules', 'test', generated1000, '--duration', '1h'], /testing \d+ rules/) },
    { name: 'kernwatch tail (all 21)', start: () => kernwatch(['tail', '--json', '--duration', '1h'], /watching \d+ events/) },
    { name: 'bpftrace count', start: () => bpftrace(count) },
  ]);
  report(`fork+exit loop, rules/ (${events.length} events: ${events.join(', ')})`, samples);
  console.log(`kernel-decided = ${sets.kernelDecidedFiles.join(', ')}`);
  for (const dir of [sets.kernelDecidedDir, generated100, generated1000]) fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
