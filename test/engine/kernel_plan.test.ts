/** Which terms the compiler puts in the kernel, and the exact entries it writes. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainPlan } from '../../src/engine/explain';
import { planKernel } from '../../src/engine/kernel_plan';
import { eventByName } from '../../src/events/catalog';
import { stepGlobs } from '../../src/kernel/cgroup_globs';
import { rulesFrom } from './helpers';

const TREE: Array<[bigint, string]> = [
  [1n, '/'],
  [10n, '/prod'],
  [11n, '/prod/api'],
  [12n, '/prod/api/worker'],
  [13n, '/staging'],
];

const bit = (n: number): bigint => 1n << BigInt(n);

/** The cgroups of TREE a plan's entries say match, and the rules they match. */
function matching(plan: ReturnType<typeof planKernel>): Array<[bigint, bigint]> {
  return [...plan.kernel.cgroups].filter(([, e]) => e.match !== 0n).map(([id, e]) => [id, e.match]);
}

/** What the kernel's mkdir step gives a cgroup created at `path` now, from its parent's entry. */
function created(plan: ReturnType<typeof planKernel>, path: string): bigint {
  const k = plan.kernel;
  let entry = k.globRoot;
  for (const name of path.slice(1).split('/')) entry = stepGlobs(k.globStates, entry, name);
  return entry.match;
}

test('a cgroup subtree glob matches the prefix and every cgroup below it, now and when they are created again', () => {
  const plan = planKernel(rulesFrom('when oom.victim and cgroup matches "/prod/**" then stdout'), TREE);
  const s = plan.selections[0];
  assert.equal(s?.placements[0]?.tier, 'kernel');
  assert.match(s?.placements[0]?.detail ?? '', /cgroup globs: 3 states, followed by name/);
  assert.deepEqual(matching(plan), [
    [10n, bit(0)],
    [11n, bit(0)],
    [12n, bit(0)],
  ]);
  assert.equal(plan.kernel.kinds.get(1)?.byCgroup, bit(0));
  // followed by name: /prod removed and made again, and anything below it, match; beside it nothing does
  assert.equal(created(plan, '/prod'), bit(0));
  assert.equal(created(plan, '/prod/new/deeper'), bit(0));
  assert.equal(created(plan, '/production'), 0n);
  assert.equal(created(plan, '/staging/prod'), 0n);
  // the path cache must see new cgroups: mkdir and rename records pass with the reserved bit
  assert.equal(plan.kernel.kinds.get(3)?.rules, bit(63));
});

test('with no cgroup glob at all the kernel still sends the records that keep the path cache, for no rule', () => {
  const plan = planKernel(rulesFrom('when process.exit and comm == "kw-x" then stdout\nwhen cgroup.mkdir and cgroup matches "/prod/*" then stdout'), TREE);
  const mkdir = plan.selections[1];
  for (const name of ['cgroup.mkdir', 'cgroup.rename', 'cgroup.rmdir', 'cgroup.release']) {
    const kind = eventByName(name)?.kind as number;
    const rules = plan.kernel.kinds.get(kind)?.rules;
    assert.equal(rules, name === 'cgroup.mkdir' ? bit(63) | bit(mkdir?.bit as number) : bit(63), name);
  }
  assert.deepEqual(plan.events, ['process.exit', 'cgroup.mkdir'], 'the events the rules use, as before');
  const none = planKernel(rulesFrom('when process.exit and comm == "kw-x" then stdout'), TREE);
  assert.equal(none.kernel.globStates.length, 0);
  assert.equal(none.kernel.kinds.get(eventByName('cgroup.mkdir')?.kind as number)?.rules, bit(63));
});

test('a children glob matches direct children only, existing or new', () => {
  const plan = planKernel(rulesFrom('when oom.victim and cgroup matches "/prod/*" then stdout'), TREE);
  assert.deepEqual(matching(plan), [[11n, bit(0)]]);
  assert.equal(created(plan, '/prod/other'), bit(0));
  assert.equal(created(plan, '/prod'), 0n);
  assert.equal(created(plan, '/prod/api/worker'), 0n);
});

test('star and prefix segments are followed in the kernel; what it cannot compare is widened, never narrowed', () => {
  const plan = planKernel(rulesFrom('when oom.victim and cgroup matches "/kubepods/*/pod*/**" then stdout'), TREE);
  assert.equal(plan.selections[0]?.placements[0]?.tier, 'kernel');
  assert.equal(created(plan, '/kubepods/burstable/pod123/c1'), bit(0));
  assert.equal(created(plan, '/kubepods/besteffort/pod9'), bit(0));
  assert.equal(created(plan, '/kubepods/burstable/other'), 0n);
  assert.equal(created(plan, '/kubepods/pod1'), 0n);
  // "w?rker" and "*-db" are more than the kernel compares: any name passes, userspace decides
  const wide = planKernel(rulesFrom('when oom.victim and cgroup matches "/prod/w?rker" or cgroup matches "/prod/*-db" then stdout'), TREE);
  assert.equal(created(wide, '/prod/anything'), 0n, 'an or of globs stays in userspace');
  const one = planKernel(rulesFrom('when oom.victim and cgroup matches "/prod/w?rker" then stdout'), TREE);
  assert.match(one.selections[0]?.placements[0]?.detail ?? '', /cannot compare pass as any name/);
  assert.equal(created(one, '/prod/worker'), bit(0));
  assert.equal(created(one, '/prod/anything'), bit(0), 'widened: passes, userspace decides');
  assert.equal(created(one, '/staging/worker'), 0n);
});

test("an exception the kernel cannot decide stays in userspace, and globs beyond the kernel's states go there too", () => {
  const plan = planKernel(
    rulesFrom(`rule "r" {
      when oom.victim and cgroup matches "/prod/*/worker"
      except uid == 0
      then stdout
    }`),
    TREE,
  );
  assert.deepEqual(
    plan.selections[0]?.placements.map((p) => p.tier),
    ['kernel', 'userspace'],
  );
  const many = Array.from({ length: 30 }, (_, i) => `when oom.victim and cgroup matches "/svc${i}/**" then stdout`).join('\n');
  const full = planKernel(rulesFrom(many), TREE);
  const tiers = full.selections.map((s) => s.placements[0]?.tier);
  assert.equal(tiers.filter((t) => t === 'kernel').length, 21, '21 globs of 3 states fill 64');
  assert.ok(tiers.slice(21).every((t) => t === 'userspace'));
  assert.ok(full.kernel.globStates.length <= 64);
});

test("sizes are compared in the record's own units: KiB members get rounded thresholds", () => {
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
    ['cc1', { accept: bit(0), reject: 0n }],
    ['make', { accept: bit(0), reject: 0n }],
  ]);
  assert.deepEqual(plan.kernel.uids.get(0), bit(1));
  assert.deepEqual(
    plan.kernel.thresholds.map((t) => [t.kind, t.cmp, t.value]),
    [[14, 'eq', 0n]],
  );
  assert.equal(migrations?.counted, false);
  assert.equal(hangs?.counted, false, 'process.hang is rare: counted in userspace where its events are kept');
  const text = explainPlan(plan, (id) => TREE.find(([i]) => i === id)?.[1]);
  assert.match(text, /comm_rules\["make"\]/);
  assert.match(text, /counted in the kernel: no records/);
  assert.match(text, /rule_aggs\[0\] = group by cgroup/);
});

test('explain warns when a rule ships every event of a high-rate kind, with what it costs, and only then', () => {
  const plan = planKernel(
    rulesFrom(`
      rule "storm" { when count(process.fork) > 100 within 1s by cgroup except uid == 0 then stdout }
      rule "counted" { when count(process.fork) > 100 within 1s by cgroup then stdout }
      rule "prod-exits" { when process.exit and cgroup matches "/prod/**" then stdout }
      rule "hangs" { when process.hang then stdout }
    `),
    TREE,
  );
  const text = explainPlan(plan, () => undefined, { forksPerSecond: 12.25 });
  const warnings = text.split('\n').filter((l) => l.includes('warning:'));
  assert.equal(warnings.length, 1, text);
  assert.match(
    warnings[0] ?? '',
    /every process\.fork is sent to userspace, one record each \(one per fork: a fork loop makes 4,400 a second on a 2-core host; this host has averaged 12\.3 forks a second since boot\)/,
  );
  assert.ok(text.indexOf('warning:') > text.indexOf('rule storm') && text.indexOf('warning:') < text.indexOf('rule counted'), 'under the rule that costs it');
});

test('an except on exact cgroup globs is decided in the kernel: the rule stays counted there, and a widened glob stays in userspace', () => {
  const plan = planKernel(
    rulesFrom(`
      rule "storm" { when count(process.fork) > 100 within 1s by cgroup except cgroup matches "/system.slice/build*/**" then stdout }
      rule "widened" { when count(process.fork) > 100 within 1s by cgroup except cgroup matches "/sys?em.slice/**" then stdout }
      rule "cgroup-event" { when cgroup.mkdir except cgroup matches "/build*/**" then stdout }
    `),
    TREE,
  );
  const [storm, widened, mkdir] = plan.selections;
  assert.equal(storm?.counted, true, 'count per cgroup in the kernel, the exception included');
  assert.deepEqual(
    storm?.placements.map((p) => p.tier),
    ['kernel', 'kernel count'],
  );
  const forks = plan.kernel.kinds.get(storm.spec.kind)!;
  assert.equal(forks.exceptCgroup, 1n, 'only the exact glob rejects in the kernel');
  assert.equal(widened?.counted, false);
  assert.equal(widened?.placements[0]?.tier, 'userspace');
  assert.equal(mkdir?.placements[0]?.tier, 'userspace', 'v1 cgroup events carry no v2 cgroup to look up');
  assert.ok(
    plan.kernel.globStates.every((s) => s.reject === 0n || s.reject === 1n),
    'only the storm rule is rejected',
  );
  const slice = stepGlobs(plan.kernel.globStates, plan.kernel.globRoot, 'system.slice');
  assert.equal(stepGlobs(plan.kernel.globStates, slice, 'build-7').reject, 1n, '/system.slice/build-7 is an exception');
  assert.equal(stepGlobs(plan.kernel.globStates, stepGlobs(plan.kernel.globStates, slice, 'build-7'), 'x').reject, 1n, 'and below it');
  assert.equal(stepGlobs(plan.kernel.globStates, slice, 'app').reject, 0n, '/system.slice/app is not');
});

test('an except on comm names is decided in the kernel beside a rule that wants the same comm', () => {
  const plan = planKernel(
    rulesFrom(`
      rule "not-builds" { when count(process.fork) > 100 within 1s by cgroup except comm in ["make", "cc1"] then stdout }
      rule "makes" { when process.fork and comm == "make" then stdout }
    `),
    TREE,
  );
  const [notBuilds, makes] = plan.selections;
  assert.equal(notBuilds?.counted, true);
  assert.equal(notBuilds?.placements[0]?.tier, 'kernel');
  assert.deepEqual(plan.kernel.comms.get('make'), { accept: 1n << BigInt(makes!.bit), reject: 1n << BigInt(notBuilds.bit) });
  assert.deepEqual(plan.kernel.comms.get('cc1'), { accept: 0n, reject: 1n << BigInt(notBuilds.bit) });
  assert.equal(plan.kernel.kinds.get(notBuilds.spec.kind)?.exceptComm, 1n << BigInt(notBuilds.bit));
});

test('comm globs with a star at one end are kernel patterns; others stay in userspace and say so', () => {
  const plan = planKernel(
    rulesFrom(`
      rule "builds" { when process.exit and comm matches ["make", "build*", "*-worker"] then stdout }
      rule "not-kworkers" { when count(process.fork) > 100 within 1s by cgroup except comm matches "kworker*" then stdout }
      rule "middle" { when process.exit and comm matches "a*b" then stdout }
      rule "any" { when process.exit and comm matches "*" then stdout }
    `),
    TREE,
  );
  const [builds, notKworkers, middle, any] = plan.selections;
  assert.equal(builds?.placements[0]?.tier, 'kernel');
  assert.equal(builds.placements[0]?.detail, 'comm_rules: 1 comm, 1 comm prefix, 1 comm suffix');
  assert.deepEqual(plan.kernel.comms.get('make'), { accept: 1n, reject: 0n });
  assert.deepEqual(plan.kernel.commPatterns, [
    { match: 'prefix', text: 'build', accept: 1n, reject: 0n },
    { match: 'suffix', text: '-worker', accept: 1n, reject: 0n },
    { match: 'prefix', text: 'kworker', accept: 0n, reject: 1n << BigInt(notKworkers!.bit) },
  ]);
  assert.equal(notKworkers?.counted, true, 'an exception the kernel decides leaves the window counted there');
  assert.equal(middle?.placements[0]?.tier, 'userspace');
  assert.equal(any?.placements[0]?.detail, 'matches every comm: nothing to filter');
});

test('rules sharing a comm glob share its pattern slot; past the slots a glob goes to userspace', () => {
  const many = Array.from({ length: 20 }, (_, i) => `rule "r${i}" { when process.exit and comm matches "p${i}-*" then stdout }`).join('\n');
  const plan = planKernel(rulesFrom(`${many}\nrule "again" { when process.exit and comm matches "p0-*" then stdout }`), TREE);
  assert.equal(plan.kernel.commPatterns.length, 16);
  assert.equal(plan.kernel.commPatterns[0]?.accept, 1n | (1n << 20n), 'p0-* serves r0 and again');
  assert.deepEqual(
    plan.selections.map((s) => s.placements[0]?.tier),
    [...Array<string>(16).fill('kernel'), ...Array<string>(4).fill('userspace'), 'kernel'],
  );
});

test('max over a high-rate event is kept in the kernel per group; distinct stays in userspace', () => {
  const plan = planKernel(
    rulesFrom(`
      rule "worst-order" { when max(mem.pcpu_drain.order) > 3 within 1m by cgroup then stdout }
      rule "many-children" { when distinct(process.fork.child_comm) > 50 within 1m by cgroup then stdout }
    `),
    TREE,
  );
  const [worst, many] = plan.selections;
  assert.equal(worst?.counted, true);
  assert.equal(worst.aggregate?.max?.field, 'order');
  assert.equal(worst.aggregate.sum, undefined);
  assert.match(worst.placements.at(-1)?.detail ?? '', /the largest order of each tick per cgroup/);
  assert.equal(many?.counted, false);
});

test('a field whose kernel value can mean unknown (pfn from the fallback program) is never compared or aggregated in the kernel', () => {
  const plan = planKernel(
    rulesFrom(`
      rule "high-pfn" { when mem.pcpu_drain and pfn > 100 then stdout }
      rule "pfn-max" { when max(mem.pcpu_drain.pfn) > 100 within 1m then stdout }
      rule "order-max" { when max(mem.pcpu_drain.order) > 3 within 1m then stdout }
    `),
    TREE,
  );
  const [high, pfnMax, orderMax] = plan.selections;
  assert.equal(high?.placements[0]?.tier, 'userspace');
  assert.equal(plan.kernel.thresholds.length, 0);
  assert.equal(pfnMax?.counted, false);
  assert.equal(orderMax?.counted, true, 'the same event with another field is counted');
});
