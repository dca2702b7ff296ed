/** Alert semantics of the evaluator, through replay() so the kernel plan and simulator are in the path. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeNotice } from '../../src/engine/expectations';
import { replay } from '../../src/engine/replay';
import { ev, rulesFrom } from './helpers';

const HOST = 'web-3';
const run = (rules: string, events: ReturnType<typeof ev>[], untilMs = 0): string[] =>
  replay(rulesFrom(rules), events, { host: HOST, untilMs }).notices.map((n) => describeNotice(n));

test('repeated OOM kills fold into one alert with a running count, then resolve after a quiet cooldown', () => {
  const rules = `rule "oom" {
    when oom.victim and cgroup matches "/prod/**"
    summary "{count} OOM kills, last {comm} in {cgroup}"
    cooldown 1m
    then stdout
  }`;
  const kills = [0, 1000, 2000, 30_000, 61_000].map((t, i) => ev('oom.victim', t + 1000, { pid: 200 + i, comm: `java${i}` }));
  assert.deepEqual(run(rules, kills, 200_000), [
    'firing oom "1 OOM kills, last java0 in /prod/api" count=1',
    'repeat oom "4 OOM kills, last java3 in /prod/api" count=4',
    'repeat oom "5 OOM kills, last java4 in /prod/api" count=5',
    'resolved oom "5 OOM kills, last java4 in /prod/api" count=5',
  ]);
});

test("an event rule by cgroup keeps one alert per cgroup: a second service's OOM pages at once, each folds and resolves on its own", () => {
  const rules = `rule "oom" {
    when oom.victim and cgroup matches "/prod/**" by cgroup
    summary "{comm} OOM-killed in {cgroup}"
    cooldown 1m
    then stdout
  }`;
  const events = [
    ev('oom.victim', 1000, { cgroup: '/prod/api', comm: 'java' }),
    ev('oom.victim', 4000, { cgroup: '/prod/db', comm: 'postgres' }),
    ev('oom.victim', 5000, { cgroup: '/prod/api', comm: 'java' }),
  ];
  assert.deepEqual(run(rules, events, 120_000), [
    'firing oom {cgroup=/prod/api} "java OOM-killed in /prod/api" count=1',
    'firing oom {cgroup=/prod/db} "postgres OOM-killed in /prod/db" count=1',
    'repeat oom {cgroup=/prod/api} "java OOM-killed in /prod/api" count=2',
    'resolved oom {cgroup=/prod/db} "postgres OOM-killed in /prod/db" count=1',
    'resolved oom {cgroup=/prod/api} "java OOM-killed in /prod/api" count=2',
  ]);
});

test('an event outside the glob or matching an exception never fires', () => {
  const rules = `rule "oom" {
    when oom.victim and cgroup matches "/prod/*"
    except comm in ["backup"]
    then stdout
  }`;
  const events = [
    ev('oom.victim', 1000, { cgroup: '/prod/api/worker' }),
    ev('oom.victim', 2000, { cgroup: '/prod' }),
    ev('oom.victim', 3000, { comm: 'backup' }),
    ev('oom.victim', 4000, { cgroup: undefined as unknown as string }),
  ];
  assert.deepEqual(run(rules, events, 1000), []);
});

test('a count window fires per group when it crosses the threshold and resolves when it drains', () => {
  const rules = `rule "storm" {
    when count(process.fork) > 3 within 1s by cgroup
    summary "{value} forks in {cgroup}"
    cooldown 1h
    then stdout
  }`;
  const events = [
    ...[0, 100, 200, 300, 400].map((t) => ev('process.fork', 10_000 + t)),
    ...[0, 100].map((t) => ev('process.fork', 10_000 + t, { cgroup: '/other' })),
  ];
  assert.deepEqual(run(rules, events, 3000), [
    'firing storm {cgroup=/prod/api} "4 forks in /prod/api" count=0 value=4',
    'resolved storm {cgroup=/prod/api} "3 forks in /prod/api" count=0 value=3',
  ]);
});

test('for holds a window pending until the condition lasted that long; keep firing for delays the resolution', () => {
  const rules = `rule "busy" {
    when count(process.exit) >= 1 within 500ms
    for 1s
    keep firing for 2s
    summary "{value}"
    then stdout
  }`;
  const steady = Array.from({ length: 30 }, (_, i) => ev('process.exit', 1000 + i * 100));
  const notices = replay(rulesFrom(rules), steady, { host: HOST, untilMs: 10_000 }).notices;
  assert.deepEqual(
    notices.map((n) => n.change),
    ['firing', 'resolved'],
  );
  const [firing, resolved] = notices;
  assert.equal(firing?.alert.startsAt, 2100, 'pending from 1.1s, firing 1s later');
  // the last exit (3.9s) leaves the 500ms window at 4.5s; resolved 2s after that
  assert.equal(resolved?.alert.endsAt, 6500);
  const blip = [ev('process.exit', 1000), ev('process.exit', 1100)];
  assert.deepEqual(replay(rulesFrom(rules), blip, { host: HOST, untilMs: 10_000 }).notices, [], 'a blip shorter than for never fires');
});

test('an absence fires at the deadline and resolves when the second event finally comes', () => {
  const rules = `rule "frozen-long" {
    when cgroup.freeze not followed by cgroup.unfreeze within 5s by cgroup
    summary "{cgroup} frozen"
    then stdout
  }`;
  const events = [
    ev('cgroup.freeze', 1000, { cgroup: '/a', hierarchy: 'unified', level: 1 }),
    ev('cgroup.freeze', 1000, { cgroup: '/b', hierarchy: 'unified', level: 1 }),
    ev('cgroup.unfreeze', 3000, { cgroup: '/b', hierarchy: 'unified', level: 1 }),
    ev('cgroup.unfreeze', 9000, { cgroup: '/a', hierarchy: 'unified', level: 1 }),
  ];
  const notices = replay(rulesFrom(rules), events, { host: HOST, untilMs: 1000 }).notices;
  assert.deepEqual(
    notices.map((n) => describeNotice(n)),
    ['firing frozen-long {cgroup=/a} "/a frozen" count=1', 'resolved frozen-long {cgroup=/a} "/a frozen" count=1'],
  );
  assert.equal(notices[0]?.alert.startsAt, 6000);
  assert.equal(notices[1]?.alert.endsAt, 9000);
});

test('a sequence fires only when the second event comes in time for the same key', () => {
  const rules = `rule "killed-young" {
    when process.newtask followed by process.exit and signal == 9 within 2s by pid
    summary "{comm} ({pid})"
    then stdout
  }`;
  const events = [
    ev('process.newtask', 1000, { pid: 1 }),
    ev('process.exit', 1500, { pid: 1, signal: 9, exit_status: 0, exit_code: 9, group_dead: true, prio: 120 }),
    ev('process.newtask', 1000, { pid: 2 }),
    ev('process.exit', 4000, { pid: 2, signal: 9, exit_status: 0, exit_code: 9, group_dead: true, prio: 120 }),
    ev('process.newtask', 1000, { pid: 3 }),
    ev('process.exit', 1200, { pid: 3, signal: 0, exit_status: 0, exit_code: 0, group_dead: true, prio: 120 }),
  ];
  assert.deepEqual(run(rules, events), ['firing killed-young {pid=1} "app (1)" count=1']);
});

test('alerts raised while the kernel lost records are marked degraded', async () => {
  const { Evaluator } = await import('../../src/engine/evaluator');
  const { planKernel } = await import('../../src/engine/kernel_plan');
  const rules = rulesFrom('when process.hang then stdout');
  const notices: import('../../src/engine/rule_state').AlertNotice[] = [];
  const e = new Evaluator(planKernel(rules, []), { host: HOST, useRuleBits: false }, (n) => notices.push(n));
  e.noteLoss(900, 17);
  e.onEvent(ev('process.hang', 1000, { prio: 120 }));
  assert.deepEqual(notices[0]?.alert.degraded, { lostRecords: 17 });
});

test('the same stream replays to the same notices, and group keys beyond the cap are evicted and counted', async () => {
  const rules = 'when count(process.fork) > 100 within 1s by tgid then stdout';
  const events = Array.from({ length: 5000 }, (_, i) => ev('process.fork', 1000 + i, { tgid: i % 50 }));
  const a = replay(rulesFrom(rules), events, { host: HOST });
  const b = replay(rulesFrom(rules), events, { host: HOST });
  assert.deepEqual(a.notices, b.notices);
  const { Evaluator } = await import('../../src/engine/evaluator');
  const { planKernel } = await import('../../src/engine/kernel_plan');
  const e = new Evaluator(planKernel(rulesFrom(rules), []), { host: HOST, useRuleBits: false, maxGroups: 10 }, () => undefined);
  e.onEvents(events.slice(0, 50));
  const stats = e.stats();
  assert.equal(stats.groups, 10);
  assert.equal(stats.evictions, 40);
});

test('an expectation without a change means firing', async () => {
  const { parseExpectations, compareExpectations } = await import('../../src/engine/expectations');
  const expected = parseExpectations('alerts: [{rule: hang}]', 'x.yaml');
  const notices = replay(rulesFrom('rule "hang" { when process.hang then stdout }'), [ev('process.hang', 1000, { prio: 120 })], { host: HOST }).notices;
  assert.deepEqual(compareExpectations(expected, notices), []);
});

test('an absence by cgroup stops waiting when the cgroup is removed, and resolves if it already fired', () => {
  const rules = `rule "frozen-long" {
    when cgroup.freeze not followed by cgroup.unfreeze within 5s by cgroup
    summary "{cgroup} frozen"
    then stdout
  }`;
  const at = (name: string, t: number, cgroup: string) => ev(name, t, { cgroup, hierarchy: 'unified', level: 1 });
  const events = [
    at('cgroup.freeze', 1000, '/gone-early'),
    at('cgroup.rmdir', 3000, '/gone-early'),
    at('cgroup.freeze', 1000, '/gone-late'),
    at('cgroup.rmdir', 8000, '/gone-late'),
    at('cgroup.mkdir', 12_000, '/other'),
  ];
  assert.deepEqual(run(rules, events), [
    'firing frozen-long {cgroup=/gone-late} "/gone-late frozen" count=1',
    'resolved frozen-long {cgroup=/gone-late} "/gone-late frozen" count=1',
  ]);
});

test('an event rule at its cap of alerts folds new values into one overflow alert that says so, and evicts none', async () => {
  const { Evaluator } = await import('../../src/engine/evaluator');
  const { planKernel } = await import('../../src/engine/kernel_plan');
  const rules = 'rule "oom" { when oom.victim by cgroup summary "{comm} OOM-killed in {cgroup}" cooldown 1m then stdout }';
  const notices: string[] = [];
  const e = new Evaluator(planKernel(rulesFrom(rules), []), { host: HOST, useRuleBits: false, maxGroups: 3 }, (n) => notices.push(describeNotice(n)));
  e.onEvents([1, 2, 3, 4, 5, 6].map((i) => ev('oom.victim', 1000 * i, { cgroup: `/prod/s${i}`, comm: `app${i}` })));
  e.advanceTo(10_000);
  const stats = e.stats();
  assert.equal(stats.evictions, 0, 'no firing alert is dropped: its receivers would show it firing forever');
  assert.equal(stats.perRule.get('oom')?.overflowed, 3);
  assert.deepEqual(notices, [
    'firing oom {cgroup=/prod/s1} "app1 OOM-killed in /prod/s1" count=1',
    'firing oom {cgroup=/prod/s2} "app2 OOM-killed in /prod/s2" count=1',
    'firing oom {cgroup=/prod/s3} "app3 OOM-killed in /prod/s3" count=1',
    'firing oom {cgroup=(overflow)} "More cgroup values than this rule\'s 3 alerts at once: 1 match of other values folded into this alert. Latest: app4 OOM-killed in /prod/s4" count=1',
  ]);
  e.advanceTo(70_000);
  assert.deepEqual(notices.slice(4), [
    'resolved oom {cgroup=/prod/s1} "app1 OOM-killed in /prod/s1" count=1',
    'resolved oom {cgroup=/prod/s2} "app2 OOM-killed in /prod/s2" count=1',
    'resolved oom {cgroup=/prod/s3} "app3 OOM-killed in /prod/s3" count=1',
    'repeat oom {cgroup=(overflow)} "More cgroup values than this rule\'s 3 alerts at once: 3 matches of other values folded into this alert. Latest: app6 OOM-killed in /prod/s6" count=3',
    'resolved oom {cgroup=(overflow)} "More cgroup values than this rule\'s 3 alerts at once: 3 matches of other values folded into this alert. Latest: app6 OOM-killed in /prod/s6" count=3',
  ]);
  e.onEvent(ev('oom.victim', 71_000, { cgroup: '/prod/s7', comm: 'app7' }));
  assert.equal(notices.at(-1), 'firing oom {cgroup=/prod/s7} "app7 OOM-killed in /prod/s7" count=1', 'below the cap again, a new value has its own alert');
});

test("a recording's gap lines degrade the alerts over them, and only those of the events that lost records", async () => {
  const { recordingFromJsonLines } = await import('../../src/events/event_json');
  const lines = [
    '{"gap":{"process.exit":40},"time":"2026-01-01T00:00:01.500Z"}',
    '{"event":"process.exit","time":"2026-01-01T00:00:02.000Z","pid":8,"comm":"b","exit_code":0,"exit_status":0,"signal":0,"group_dead":true}',
    '{"event":"process.hang","time":"2026-01-01T00:00:03.000Z","pid":7,"comm":"a","prio":120}',
  ].join('\n');
  const { events, gaps } = recordingFromJsonLines(lines, 'gap.jsonl');
  assert.equal(events.length, 2);
  assert.deepEqual(gaps, [{ time: Date.parse('2026-01-01T00:00:01.500Z'), missing: { 'process.exit': 40 } }]);
  const rules = 'rule "hang" { when process.hang cooldown 10s then stdout }\nrule "exit" { when process.exit cooldown 10s then stdout }';
  const notices = replay(rulesFrom(rules), events, { host: HOST, gaps }).notices.filter((n) => n.change === 'firing');
  const degraded = Object.fromEntries(notices.map((n) => [n.alert.rule, n.alert.degraded?.lostRecords ?? 0]));
  assert.deepEqual(degraded, { hang: 0, exit: 40 });
  assert.throws(
    () => recordingFromJsonLines('{"gap":{"process.nope":1},"time":"2026-01-01T00:00:00Z"}', 'g.jsonl'),
    /g\.jsonl:1: unknown event "process\.nope" in "gap"/,
  );
});
