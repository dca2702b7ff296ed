/**
 * The rule library's own tests: every rules/tests/<name>.expect.yaml is
 * checked with `kernwatch rules test rules/ --replay <events> --expect
 * <name>.expect.yaml`, as a user would run it. The events are
 * <name>.events.jsonl, or what <name>.events.js prints when a storm is too
 * many lines to keep (see rules/tests/storm.js). No root needed.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { checkRuleSources, type CheckedRule } from '../src/dsl';
import { Evaluator } from '../src/engine/evaluator';
import { compareExpectations, parseExpectations, type Expected } from '../src/engine/expectations';
import { planKernel } from '../src/engine/kernel_plan';
import type { AlertNotice } from '../src/engine/rule_state';
import { runCli } from './support/run_cli';

const ROOT = path.resolve(__dirname, '..', '..');
const TESTS = 'rules/tests';

const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-rules-replay-'));
after(() => fs.rmSync(scratch, { recursive: true, force: true }));

const names = fs
  .readdirSync(path.join(ROOT, TESTS))
  .filter((f) => f.endsWith('.expect.yaml'))
  .map((f) => f.slice(0, -'.expect.yaml'.length))
  .sort();

/** The recording for `name`, relative to ROOT: kept as JSON lines, or generated into the scratch directory. */
function eventsFor(name: string): string {
  const kept = `${TESTS}/${name}.events.jsonl`;
  const generator = `${TESTS}/${name}.events.js`;
  const hasKept = fs.existsSync(path.join(ROOT, kept));
  const hasGenerator = fs.existsSync(path.join(ROOT, generator));
  assert.ok(hasKept !== hasGenerator, `${name}: needs either ${kept} or ${generator}, not ${hasKept ? 'both' : 'neither'}`);
  if (hasKept) return kept;
  const out = path.join(scratch, `${name}.events.jsonl`);
  const fd = fs.openSync(out, 'w');
  try {
    execFileSync(process.execPath, [generator], { cwd: ROOT, stdio: ['ignore', fd, 'inherit'], timeout: 60_000 });
  } finally {
    fs.closeSync(fd);
  }
  return out;
}

function replay(events: string, expect: string): ReturnType<typeof runCli> {
  return runCli(['rules', 'test', 'rules/', '--replay', events, '--expect', expect], { cwd: ROOT, timeoutMs: 60_000 });
}

test('rules/tests holds replay tests, and every recording there has its expectation', () => {
  assert.ok(names.length > 0, `no *.expect.yaml in ${TESTS}`);
  const recordings = fs.readdirSync(path.join(ROOT, TESTS)).filter((f) => /\.events\.jsonl?$/.test(f));
  const orphans = recordings.filter((f) => !names.includes(f.replace(/\.events\.jsonl?$/, '')));
  assert.deepEqual(orphans, [], 'recordings without a <name>.expect.yaml');
});

for (const name of names) {
  test(`replaying rules/tests/${name} raises exactly the alerts ${name}.expect.yaml lists`, async () => {
    const { code, stdout, stderr } = await replay(eventsFor(name), `${TESTS}/${name}.expect.yaml`);
    assert.equal(code, 0, `${stderr}\n${stdout}`);
    assert.match(stderr, /: ok \(\d+ expected\)\n$/);
  });
}

test('a wrong expectation exits 1 with a diff naming what was expected and what came', async () => {
  const expect = path.join(scratch, 'wrong.expect.yaml');
  fs.writeFileSync(
    expect,
    [
      'alerts:',
      '  - rule: prod-oom',
      '    change: firing',
      '    summary: "java (4553) OOM-killed in /prod/api: anon 31.8 MiB"',
      '  - rule: prod_oom/oom.victim',
      '    change: firing',
      '',
    ].join('\n'),
  );
  const { code, stderr } = await replay(`${TESTS}/prod_oom.events.jsonl`, expect);
  assert.equal(code, 1, stderr);
  const lines = stderr.trimEnd().split('\n');
  assert.equal(lines[0], `${expect}: the replay does not raise what is expected (- expected, + got):`);
  assert.deepEqual(lines.slice(1), [
    '- firing prod-oom "java (4553) OOM-killed in /prod/api: anon 31.8 MiB"',
    '+ firing prod-oom {team=sre, cgroup=/prod/api} "dd (4553) OOM-killed in /prod/api: anon 31.8 MiB" count=1',
    '  firing prod_oom/oom.victim "oom.victim: dd (4822) in /production/api" count=1',
    '+ resolved prod_oom/oom.victim "oom.victim: dd (4822) in /production/api" count=1',
    '+ repeat prod-oom {team=sre, cgroup=/prod/api} "dd (9925) OOM-killed in /prod/api: anon 31.8 MiB" count=2',
    '+ resolved prod-oom {team=sre, cgroup=/prod/api} "dd (9925) OOM-killed in /prod/api: anon 31.8 MiB" count=2',
  ]);
});

/** rules/*.rules, checked, with their text. */
function library(): { rules: readonly CheckedRule[]; sources: Array<{ file: string; text: string }> } {
  const sources = fs
    .readdirSync(path.join(ROOT, 'rules'))
    .filter((f) => f.endsWith('.rules'))
    .sort()
    .map((f) => ({ file: `rules/${f}`, text: fs.readFileSync(path.join(ROOT, 'rules', f), 'utf8') }));
  const result = checkRuleSources(sources);
  assert.deepEqual(
    result.diagnostics.filter((d) => d.severity === 'error').map((d) => `${d.file}: ${d.message}`),
    [],
  );
  return { rules: result.rules, sources };
}

/** Rules whose firing no JSON-lines replay can show, and the test here that shows it instead. */
const FIRING_TESTED_BELOW: Readonly<Record<string, string>> = {
  'pcpu-drain-storm': 'over 50000 drains a second for a minute is 4.5 million events: fed as in-kernel counts below',
};

test('every rule in rules/ is named by an expectation in rules/tests', () => {
  const named = new Set<string>();
  for (const name of names) {
    const file = `${TESTS}/${name}.expect.yaml`;
    for (const e of parseExpectations(fs.readFileSync(path.join(ROOT, file), 'utf8'), file)) named.add(e.rule);
  }
  const rules = library().rules.map((r) => r.name);
  assert.deepEqual(
    rules.filter((r) => !named.has(r) && !(r in FIRING_TESTED_BELOW)),
    [],
    'rules no expectation names',
  );
  assert.deepEqual(
    Object.keys(FIRING_TESTED_BELOW).filter((r) => !rules.includes(r)),
    [],
    'FIRING_TESTED_BELOW names rules that are gone',
  );
});

test('pcpu-drain-storm fires after a minute over 50000 drains a second counted in the kernel, and resolves 5m after they stop', () => {
  const rules = library().rules.filter((r) => r.file === 'rules/pcpu_drain.rules');
  const plan = planKernel(rules, [[1n, '/']]);
  const drains = plan.selections.find((s) => s.rule.name === 'pcpu-drain-storm');
  assert.ok(drains?.counted, 'pcpu-drain-storm is counted in the kernel');
  const notices: AlertNotice[] = [];
  const evaluator = new Evaluator(plan, { host: 'test' }, (n) => notices.push(n));
  // as the live engine does every 100 ms: the kernel's count since the last
  // read, then evaluation; 6000 a tick is 60000 drains a second, for 2 minutes
  const start = Date.parse('2026-11-25T15:40:00.000Z');
  const tick = 100;
  for (let t = start + tick; t <= start + 8 * 60_000; t += tick) {
    if (t <= start + 120_000) evaluator.onCount(t, drains.bit, 6000, {});
    evaluator.advanceTo(t - tick);
  }
  const expected: Expected[] = [
    // over 50000 a second from 15:40:25.2 (1.506 million in 30s), for 1m
    { rule: 'pcpu-drain-storm', change: 'firing', summary: '60000 per-CPU page drains per second', value: 60000 },
    // back to 50000 at 15:42:05.1, plus 5m of keep firing for
    { rule: 'pcpu-drain-storm', change: 'resolved', value: 0 },
  ];
  assert.deepEqual(compareExpectations(expected, notices), []);
  assert.deepEqual(
    notices.map((n) => new Date(n.change === 'resolved' ? (n.alert.endsAt as number) : n.alert.startsAt).toISOString()),
    ['2026-11-25T15:41:25.200Z', '2026-11-25T15:47:05.100Z'],
  );
});

test('a rule file that says its events are counted in the kernel has every rule counted there', () => {
  const { rules, sources } = library();
  const claiming = sources.filter((s) => /^#.*counted in the kernel/im.test(s.text));
  assert.ok(claiming.length > 0, 'no rule file says it is counted in the kernel');
  for (const source of claiming) {
    const plan = planKernel(
      rules.filter((r) => r.file === source.file),
      [[1n, '/']],
    );
    const shipped = plan.selections.filter((s) => !s.counted).map((s) => `${s.rule.name} (${s.selection.event})`);
    assert.deepEqual(shipped, [], `${source.file} says its events are counted in the kernel, but these reach userspace one by one`);
  }
});
