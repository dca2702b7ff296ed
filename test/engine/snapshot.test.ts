/**
 * Alert state across a restart: saved by one evaluator, restored by a new
 * one (as a new process would), through the JSON the agent writes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeNotice } from '../../src/engine/expectations';
import { Evaluator } from '../../src/engine/evaluator';
import { planKernel } from '../../src/engine/kernel_plan';
import { decodeSnapshot, encodeSnapshot, UNKNOWN_PRESENT, type PresentState } from '../../src/engine/snapshot';
import { ev, rulesFrom } from './helpers';

const HOST = 'web-3';
const FROZEN = `rule "frozen" {
  when cgroup.freeze not followed by cgroup.unfreeze within 5s by cgroup
  summary "{cgroup} frozen for 5s"
  then stdout
}`;

function evaluator(rules: string, notices: string[]): Evaluator {
  return new Evaluator(planKernel(rulesFrom(rules), []), { host: HOST, useRuleBits: false }, (n) => notices.push(describeNotice(n)));
}

/** Saves `before`, and restores into a fresh evaluator at `now` through the file format. */
function restart(
  rules: string,
  before: Evaluator,
  now: number,
  present: PresentState = UNKNOWN_PRESENT,
): { after: Evaluator; notices: string[]; result: ReturnType<Evaluator['restore']> } {
  const notices: string[] = [];
  const after = evaluator(rules, notices);
  const result = after.restore(decodeSnapshot(encodeSnapshot(before.snapshot(now, HOST))), now, present);
  return { after, notices, result };
}

const present = (frozen: boolean | undefined, exists: boolean | undefined = true): PresentState => ({ cgroupExists: () => exists, cgroupFrozen: () => frozen });

test('a freeze pending at a restart fires after it, at its deadline, when the cgroup is still frozen', () => {
  const first: string[] = [];
  const before = evaluator(FROZEN, first);
  before.onEvent(ev('cgroup.freeze', 1000, { cgroup: '/kw/a', cgroup_id: 9n }));
  before.advanceTo(3000);
  const { after, notices, result } = restart(FROZEN, before, 4000, present(true));
  assert.deepEqual(result, { restored: ['frozen'], dropped: [] });
  after.advanceTo(4000);
  assert.deepEqual(notices, []);
  after.advanceTo(6100);
  assert.deepEqual(notices, ['firing frozen {cgroup=/kw/a} "/kw/a frozen for 5s" count=1']);
});

test('a freeze pending at a restart is dropped when the cgroup was thawed (or removed) while no one watched', () => {
  for (const host of [present(false), present(undefined, false)]) {
    const before = evaluator(FROZEN, []);
    before.onEvent(ev('cgroup.freeze', 1000, { cgroup: '/kw/a' }));
    const { after, notices } = restart(FROZEN, before, 4000, host);
    after.advanceTo(10_000);
    assert.deepEqual(notices, []);
  }
});

test('an absence firing at a restart resolves at once when the cgroup was thawed meanwhile, and goes on when it was not', () => {
  const before = evaluator(FROZEN, []);
  before.onEvent(ev('cgroup.freeze', 1000, { cgroup: '/kw/a' }));
  before.advanceTo(7000);
  const thawed = restart(FROZEN, before, 9000, present(false));
  assert.deepEqual(thawed.notices, ['resolved frozen {cgroup=/kw/a} "/kw/a frozen for 5s" count=1']);
  const still = restart(FROZEN, before, 9000, present(true));
  assert.deepEqual(still.notices, [], 'no second page for the same alert');
  still.after.onEvent(ev('cgroup.unfreeze', 9500, { cgroup: '/kw/a' }));
  assert.deepEqual(still.notices, ['resolved frozen {cgroup=/kw/a} "/kw/a frozen for 5s" count=1'], 'the thaw after the restart resolves it');
});

test('an event rule firing at a restart folds later matches into the same alert and resolves after its cooldown', () => {
  const rules = 'rule "oom" { when oom.victim by cgroup summary "{comm} in {cgroup}" cooldown 1m then stdout }';
  const first: string[] = [];
  const before = evaluator(rules, first);
  before.onEvent(ev('oom.victim', 1000, { comm: 'java', cgroup_id: 12345678901234567890n }));
  assert.equal(first.length, 1);
  const { after, notices } = restart(rules, before, 5000);
  after.onEvent(ev('oom.victim', 6000, { comm: 'java' }));
  after.advanceTo(50_000);
  assert.deepEqual(notices, [], 'folded, not paged again');
  after.advanceTo(70_000);
  assert.deepEqual(notices, ['repeat oom {cgroup=/prod/api} "java in /prod/api" count=2', 'resolved oom {cgroup=/prod/api} "java in /prod/api" count=2']);
});

test('a window firing at a restart is not fired again, and resolves when the storm is over', () => {
  const rules = 'rule "forks" { when count(process.fork) > 5 within 1s by cgroup then stdout }';
  const first: string[] = [];
  const before = evaluator(rules, first);
  for (let i = 0; i < 20; i++) before.onEvent(ev('process.fork', 1000 + i * 10));
  before.advanceTo(1300);
  assert.equal(first.length, 1);
  const { after, notices } = restart(rules, before, 1400);
  for (let i = 0; i < 20; i++) after.onEvent(ev('process.fork', 1400 + i * 10));
  after.advanceTo(1700);
  assert.equal(notices.length, 0, 'not fired again');
  after.advanceTo(5000);
  assert.deepEqual(
    notices.map((n) => n.split(' ')[0]),
    ['resolved'],
  );
});

test('a rule changed between the runs starts afresh, and says so', () => {
  const before = evaluator(FROZEN, []);
  before.onEvent(ev('cgroup.freeze', 1000, { cgroup: '/kw/a' }));
  const { result } = restart(FROZEN.replace('5s', '10s'), before, 2000);
  assert.deepEqual(result, { restored: [], dropped: [{ rule: 'frozen', why: 'its definition changed' }] });
});
