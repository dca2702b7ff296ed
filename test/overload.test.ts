/**
 * Shedding under overload, without a kernel: what can be shed (high-rate
 * kinds that rules need in userspace, never rare ones or kinds counted in
 * the kernel), when it begins and ends, and that a relapse holds it longer.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planKernel } from '../src/engine/kernel_plan';
import { eventByName } from '../src/events/catalog';
import { ENTER_LAG_MS, OverloadController, sheddable } from '../src/live/overload';
import { rulesFrom } from './engine/helpers';

const RULES = `
rule "oom" { when oom.victim then stdout }
rule "drains" { when distinct(mem.pcpu_drain.order) > 1000 within 10s then stdout }
rule "exits" { when process.exit and comm matches "w-?-x" then stdout }
rule "forks" { when count(process.fork) > 100 within 10s by cgroup then stdout }
`;

const kindOf = (name: string): number => eventByName(name)?.kind ?? -1;

test('only high-rate kinds that rules need in userspace can be shed: never a rare kind, never one counted in the kernel', () => {
  const plan = planKernel(rulesFrom(RULES), [[1n, '/']]);
  const s = sheddable(plan.selections);
  assert.deepEqual(s.events, ['mem.pcpu_drain', 'process.exit']);
  assert.deepEqual(s.rules, ['drains', 'exits']);
  assert.equal(s.mask, ((1 << kindOf('mem.pcpu_drain')) | (1 << kindOf('process.exit'))) >>> 0);
});

test('shedding begins past a second behind, holds at least 5 s, and a relapse soon after holds it twice as long', () => {
  const c = new OverloadController(sheddable(planKernel(rulesFrom(RULES), [[1n, '/']]).selections));
  assert.equal(c.observe(0, ENTER_LAG_MS), false, 'exactly a second behind is not overload');
  assert.equal(c.observe(100, ENTER_LAG_MS + 1), true, 'shedding began');
  assert.deepEqual(c.shedding?.events, ['mem.pcpu_drain', 'process.exit']);
  assert.equal(c.observe(4_000, 0), false, 'held while the backlog drains');
  assert.equal(c.observe(5_100, 0), true, 'ended after 5 s');
  assert.equal(c.shedding, undefined);
  assert.equal(c.observe(6_000, 5_000), true, 'overloaded again 0.9 s later');
  assert.equal(c.observe(15_000, 0), false, 'a relapse holds 10 s');
  assert.equal(c.observe(16_000, 0), true);
  assert.equal(c.episodes, 2);
  c.observe(100_000, 5_000);
  assert.equal(c.observe(105_001, 0), true, 'a long quiet spell resets the hold to 5 s');
});

test('with nothing sheddable (rare kinds only), overload sheds nothing', () => {
  const c = new OverloadController(sheddable(planKernel(rulesFrom('rule "oom" { when oom.victim then stdout }'), [[1n, '/']]).selections));
  assert.equal(c.observe(0, 60_000), false);
  assert.equal(c.shedding, undefined);
});
