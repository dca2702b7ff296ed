/** Which terms the compiler puts in the kernel, and the exact entries it writes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainPlan } from '../../src/engine/explain';
import { planKernel } from '../../src/engine/kernel_plan';
import { rulesFrom } from './helpers';

const TREE: Array<[bigint, string]> = [
  [1n, '/'],
  [10n, '/prod'],
  [11n, '/prod/api'],
  [12n, '/prod/api/worker'],
  [13n, '/staging'],
];

const bit = (n: number): bigint => 1n << BigInt(n);

test('a cgroup subtree glob marks the prefix and every cgroup below it to match and pass rules down', () => {
  const plan = planKernel(rulesFrom('when oom.victim and cgroup matches "/prod/**" then stdout'), TREE);
  const s = plan.selections[0];
  assert.equal(s?.placements[0]?.tier, 'kernel');
  assert.deepEqual([...plan.kernel.cgroups], [
    [10n, { match: bit(0), children: 0n, descendants: bit(0) }],
    [11n, { match: bit(0), children: 0n, descendants: bit(0) }],
    [12n, { match: bit(0), children: 0n, descendants: bit(0) }],
  ]);
  assert.equal(plan.kernel.kinds.get(1)?.byCgroup, bit(0));
  // the path cache must see new cgroups: mkdir and rename records pass with the reserved bit
  assert.equal(plan.kernel.kinds.get(3)?.rules, bit(63));
});

test('a children glob matches existing children and passes only to new direct children', () => {
  const plan = planKernel(rulesFrom('when oom.victim and cgroup matches "/prod/*" then stdout'), TREE);
  assert.deepEqual([...plan.kernel.cgroups], [
    [10n, { match: 0n, children: bit(0), descendants: 0n }],
    [11n, { match: bit(0), children: 0n, descendants: 0n }],
  ]);
});

test('a glob the inheritance cannot decide stays in userspace, and so does an exception', () => {
  const plan = planKernel(
    rulesFrom(`rule "r" {
      when oom.victim and cgroup matches "/prod/*/worker"
      except comm == "backup"
      then stdout
    }`),
    TREE,
  );
  assert.deepEqual(plan.selections[0]?.placements.map((p) => p.tier), ['userspace', 'userspace']);
  assert.equal(plan.kernel.cgroups.size, 0);
});

test('sizes are compared in the record\'s own units: KiB members get rounded thresholds', () => {
  const plan = planKernel(rulesFrom('when oom.victim and anon_rss > 1GiB and total_vm >= 1000 then stdout'), TREE);
  const [rss, vm] = plan.kernel.thresholds;
  assert.deepEqual({ cmp: rss?.cmp, value: rss?.value, size: rss?.size, signed: rss?.signed }, { cmp: 'gt', value: 1048576n, size: 8, signed: false });
  // 1000 bytes is 0.98 KiB: total_vm_kb >= 1 is the same test on whole KiB
  assert.deepEqual({ cmp: vm?.cmp, value: vm?.value }, { cmp: 'ge', value: 1n });
});

test('comm and uid sets, enum thresholds, and kernel counting for exact high-rate windows', () => {
  const plan = planKernel(
    rulesFrom(`
      when count(process.fork and comm in ["make", "cc1"]) > 100 within 1s by cgroup then stdout
      when migrate.pages and reason == compaction and uid == 0 then stdout
      when count(process.hang) > 3 within 1m then stdout
    `),
    TREE,
  );
  const [forks, migrations, hangs] = plan.selections;
  assert.equal(forks?.counted, true);
  assert.equal(forks?.groupBy, 'cgroup');
  assert.deepEqual([...plan.kernel.comms].sort(), [
    ['cc1', bit(0)],
    ['make', bit(0)],
  ]);
  assert.deepEqual(plan.kernel.uids.get(0), bit(1));
  assert.deepEqual(plan.kernel.thresholds.map((t) => [t.kind, t.cmp, t.value]), [[14, 'eq', 0n]]);
  assert.equal(migrations?.counted, false);
  assert.equal(hangs?.counted, false, 'process.hang is rare: counted in userspace where its events are kept');
  const text = explainPlan(plan, (id) => TREE.find(([i]) => i === id)?.[1]);
  assert.match(text, /comm_rules\["make"\]/);
  assert.match(text, /counted in the kernel: no records/);
  assert.match(text, /rule_aggs\[0\] = group by cgroup/);
});
