/**
 * What running the example rule set (rules/) costs a fork-heavy host, side by
 * side in one run: a fork+exit loop alone; with `kernwatch rules test rules/`
 * (filters and counts in the kernel, the rest in userspace); with bpftrace
 * counting the same tracepoints in kernel maps, the cheapest thing a
 * tracer can do with every event.
 */
import { CgroupPaths } from '../src/events/cgroup_paths';
import { eventByName } from '../src/events/catalog';
import { checkRuleSources } from '../src/dsl';
import { findRuleFiles } from '../src/dsl/rule_files';
import { planKernel } from '../src/engine/kernel_plan';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bpftrace, kernwatch, prepare, report, ROOT, rounds } from './support/side_by_side';

function ruleEvents(): string[] {
  const files = findRuleFiles([path.join(ROOT, 'rules')]);
  const checked = checkRuleSources(files.map((file) => ({ file, text: fs.readFileSync(file, 'utf8') })));
  return [...planKernel(checked.rules, CgroupPaths.forHost().tree(0)).events];
}

async function main(): Promise<void> {
  if (!prepare()) {
    console.log('engine_overhead: skipped, needs root');
    return;
  }
  const events = ruleEvents();
  const tracepoints = events.map((e) => (eventByName(e)?.tracepoint ?? '').replace('/', ':'));
  const count = tracepoints.map((tp) => `tracepoint:${tp} { @[probe] = count(); }`).join('\n');
  const samples = await rounds([
    { name: 'nothing attached', start: async () => undefined },
    { name: 'kernwatch rules/', start: () => kernwatch(['rules', 'test', path.join(ROOT, 'rules'), '--duration', '1h'], /testing \d+ rules/) },
    { name: 'bpftrace count', start: () => bpftrace(count) },
  ]);
  report(`fork+exit loop, rules/ (${events.length} events: ${events.join(', ')})`, samples);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
