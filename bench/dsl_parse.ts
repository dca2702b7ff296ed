/**
 * Parse and check 10,000 generated rules (100 files of 100, every rule
 * kind, lets shared across files), side by side with parse alone and with
 * fmt, in one run. Prints rules per second and peak memory.
 *
 *   node dist/bench/dsl_parse.js [RULES]
 */
import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import { checkRuleSources, formatRuleSource, parseRuleFile, type RuleSource } from '../src/dsl';

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

const TOTAL = Number(process.argv[2] ?? 10_000);
const PER_FILE = 100;
const ROUNDS = 5;

const COMMS = ['java', 'postgres', 'nginx', 'redis', 'python3', 'node', 'envoy', 'etcd'];

function rule(i: number): string {
  const comm = COMMS[i % COMMS.length]!;
  switch (i % 8) {
    case 0:
      return `when oom.victim and cgroup matches "/prod/svc${i}/**" then slack`;
    case 1:
      return `rule "oom-${i}" {\n  when oom.victim and prod and anon_rss > ${1 + (i % 16)}GiB\n  except comm in batch_jobs\n  except { uid == 0 and comm == "${comm}" }\n  severity critical\n  summary "{comm} ({pid}) OOM-killed in {cgroup}"\n  labels { team = "t${i % 10}" }\n  cooldown 10m\n  then slack("#oncall"), email("sre@example.com")\n}`;
    case 2:
      return `rule "forks-${i}" {\n  when count(process.fork and not cgroup matches "/system.slice/**") > ${500 + i} within 10s by cgroup\n  for 30s\n  keep firing for 2m\n  summary "{value} forks in {cgroup}"\n  then stdout\n}`;
    case 3:
      return `rule "frozen-${i}" {\n  when cgroup.freeze and cgroup matches "/prod/*/c${i}" not followed by cgroup.unfreeze within 5m by cgroup\n  then stdout\n}`;
    case 4:
      return `rule "migrate-${i}" {\n  when sum(migrate.pages.failed and reason in [compaction, numa_misplaced]) > ${i} within 5m\n  then stdout\n}`;
    case 5:
      return `rule "hang-${i}" {\n  when process.hang and (comm == "${comm}" or comm matches "kworker/*") and uid != ${i}\n  severity critical\n  then stdout\n}`;
    case 6:
      return `rule "killed-${i}" {\n  when process.newtask followed by process.exit and signal == 9 and comm != "${comm}" within 2s by pid\n  then stdout\n}`;
    default:
      return `rule "rss-${i}" {\n  when max(process.exit_mmap.rss and cgroup matches "/prod/**") > ${i}MiB within 1m by cgroup\n  then stdout\n}`;
  }
}

function sources(): RuleSource[] {
  const out: RuleSource[] = [{ file: 'lib.rules', text: 'let prod = cgroup matches "/prod/**"\nlet batch_jobs = ["backup", "pg_dump"]\n' }];
  for (let f = 0; f * PER_FILE < TOTAL; f++) {
    const rules: string[] = [];
    for (let i = f * PER_FILE; i < Math.min(TOTAL, (f + 1) * PER_FILE); i++) rules.push(rule(i));
    out.push({ file: `gen${f}.rules`, text: `# generated\n${rules.join('\n\n')}\n` });
  }
  return out;
}

function best(fn: () => void): number {
  let fastest = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    const started = process.hrtime.bigint();
    fn();
    fastest = Math.min(fastest, Number(process.hrtime.bigint() - started) / 1e9);
  }
  return fastest;
}

function main(): void {
  const rssBefore = process.memoryUsage().rss;
  const input = sources();
  const bytes = input.reduce((n, s) => n + s.text.length, 0);

  // warm-up: Chevrotain's self-analysis and the JIT, outside the timings
  checkRuleSources(input.slice(0, 2));

  const parse = best(() => {
    for (const s of input) parseRuleFile(s.file, s.text);
  });
  let checked = 0;
  let errors = 0;
  const check = best(() => {
    const result = checkRuleSources(input);
    checked = result.rules.length;
    errors = result.diagnostics.length;
  });
  const fmt = best(() => {
    for (const s of input) formatRuleSource(s.file, s.text);
  });
  const peakMb = (process.resourceUsage().maxRSS * 1024) / 2 ** 20;

  // what a loaded rule set costs to keep: heap held by one result after a full GC
  gc();
  const heapBefore = process.memoryUsage().heapUsed;
  const held = checkRuleSources(input);
  gc();
  const retainedMb = (process.memoryUsage().heapUsed - heapBefore) / 2 ** 20;

  if (checked !== TOTAL || errors !== 0) throw new Error(`expected ${TOTAL} clean rules, got ${checked} and ${errors} diagnostics`);
  const rate = (s: number): string => `${Math.round(TOTAL / s).toLocaleString('en-US')} rules/s`.padStart(18);
  console.log(`${TOTAL} rules in ${input.length} files, ${(bytes / 1024).toFixed(0)} KiB, best of ${ROUNDS}`);
  console.log(`  parse           ${rate(parse)}  ${(parse * 1000).toFixed(0)} ms`);
  console.log(`  parse + check   ${rate(check)}  ${(check * 1000).toFixed(0)} ms  (${(check / parse).toFixed(2)}x parse)`);
  console.log(`  fmt             ${rate(fmt)}  ${(fmt * 1000).toFixed(0)} ms  (${(fmt / parse).toFixed(2)}x parse)`);
  console.log(`  peak RSS        ${peakMb.toFixed(0)} MB (process at start: ${(rssBefore / 2 ** 20).toFixed(0)} MB)`);
  console.log(`  rule set held   ${retainedMb.toFixed(1)} MB for ${held.rules.length} checked rules`);
}

main();
