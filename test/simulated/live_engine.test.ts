/**
 * The live runtime (session, record pump, decoder, cgroup paths, kernel
 * counts, evaluator, reloads) on the simulated kernel: no root, no BPF, the
 * same code that runs on the host's kernel below the records' bytes.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertNotice } from '../../src/engine/rule_state';
import { LiveEngine, type LiveEngineOptions } from '../../src/live/live_engine';
import { SimulatedKernel } from '../../src/live/simulated_kernel';
import { rulesFrom } from '../engine/helpers';
import { retryUntil } from '../support/bounded';

const waitFor = (ok: () => boolean, ms: number, what: string): Promise<true> => retryUntil(what, ms, () => (ok() ? true : undefined));

interface Run {
  readonly kernel: SimulatedKernel;
  readonly engine: LiveEngine;
  readonly notices: AlertNotice[];
}

async function onSimulatedKernel(
  rules: string,
  body: (run: Run) => Promise<void>,
  options: Partial<LiveEngineOptions> = {},
  before: (kernel: SimulatedKernel) => void = () => undefined,
): Promise<void> {
  const kernel = new SimulatedKernel();
  before(kernel);
  const notices: AlertNotice[] = [];
  const engine = LiveEngine.start(rulesFrom(rules), { host: 'sim', tickMs: 20, onNotice: (n) => notices.push(n), kernel, ...options });
  try {
    await body({ kernel, engine, notices });
  } finally {
    await engine.stop().catch(() => undefined); // a body may have stopped it already
    kernel.dispose();
  }
}

const exit = (comm: string, extra: Record<string, number> = {}): Parameters<SimulatedKernel['fire']>[0] => ({
  event: 'process.exit',
  members: { comm, pid: 4242, tgid: 4242, ...extra },
});

const fired = (notices: readonly AlertNotice[], rule: string): AlertNotice[] => notices.filter((n) => n.alert.rule === rule && n.change === 'firing');

test('an event the rules want is decoded from its bytes and fires; one they do not want is filtered in the kernel', async () => {
  await onSimulatedKernel('rule "killed" { when process.exit and comm == "victim" and signal == 9 then stdout }', async ({ kernel, engine, notices }) => {
    kernel.fire(exit('bystander', { signal: 9, exit_code: 9 }));
    kernel.fire(exit('victim', { signal: 15, exit_code: 15 }));
    kernel.fire(exit('victim', { signal: 9, exit_code: 9 }));
    await waitFor(() => fired(notices, 'killed').length === 1, 5_000, 'the kill fired');
    const counters = engine.stats().counters.get('process.exit');
    assert.deepEqual({ seen: counters?.seen, sent: counters?.sent, filtered: counters?.filtered }, { seen: 3, sent: 1, filtered: 2 });
    const stats = await engine.stop();
    assert.equal(stats.deliveredByEvent.get('process.exit'), 1);
    assert.equal(fired(notices, 'killed')[0]?.alert.fields.comm, 'victim');
  });
});

test('a cgroup glob is followed through mkdir in the simulated kernel and the path decoded from the cgroup cache', async () => {
  await onSimulatedKernel('rule "prod" { when process.exit and cgroup matches "/prod/**" then stdout }', async ({ kernel, notices }) => {
    kernel.mkdir('/prod/api');
    kernel.mkdir('/dev/api');
    kernel.fire({ ...exit('a'), cgroup: '/dev/api' });
    kernel.fire({ ...exit('b'), cgroup: '/prod/api' });
    await waitFor(() => fired(notices, 'prod').length === 1, 5_000, 'the /prod exit fired');
    assert.equal(fired(notices, 'prod')[0]?.alert.fields.cgroup, '/prod/api');
  });
});

test('a rule counted in the kernel fires from the counts map, grouped by cgroup', async () => {
  const rule = 'rule "storm" { when count(process.fork) >= 3 within 10s by cgroup then stdout }';
  await onSimulatedKernel(
    rule,
    async ({ kernel, engine, notices }) => {
      for (let i = 0; i < 3; i++) kernel.fire({ event: 'process.fork', cgroup: '/jobs/a', members: { comm: 'sh', pid: 10 + i, tgid: 10 + i } });
      await waitFor(() => fired(notices, 'storm').length === 1, 5_000, 'the storm fired');
      assert.ok(engine.plan.kernel.kinds.get(16)?.counted, 'the rule is counted in the kernel');
      assert.equal(engine.stats().counters.get('process.fork')?.sent, 0, 'no fork record left the kernel');
      assert.equal(fired(notices, 'storm')[0]?.alert.labels.cgroup, '/jobs/a');
    },
    {},
    (kernel) => kernel.mkdir('/jobs/a'), // there before the agent: found by its first walk
  );
});

test("records of the rules before a reload still in the rings go to those rules' evaluator, also across back-to-back reloads", async () => {
  const rules = (comm: string): string => `rule "r-${comm}" { when process.exit and comm == "${comm}" then stdout }`;
  await onSimulatedKernel(rules('first'), async ({ kernel, engine, notices }) => {
    kernel.fire(exit('first')); // waits in the ring, stamped with generation 0's rule bits
    const second = engine.reload(rulesFrom(rules('second')));
    await second;
    kernel.fire(exit('second'));
    const third = engine.reload(rulesFrom(rules('third'))); // the slot generation 0 had, while its records may still come
    kernel.fire(exit('second')); // still generation 1's until the flip
    await third;
    kernel.fire(exit('third'));
    await waitFor(() => fired(notices, 'r-third').length === 1, 5_000, 'the third rule set fired');
    const stats = await engine.stop();
    assert.equal(fired(notices, 'r-first').length, 1, 'the first rule saw its record');
    assert.equal(fired(notices, 'r-second').length, 1, 'the second rule saw its records, folded into one alert');
    assert.equal(stats.unrouted, 0, 'no record went unrouted');
    assert.equal(stats.deliveredByEvent.get('process.exit'), 4);
  });
});

test('alert state saved by one engine is taken back by the next: a firing alert within its cooldown does not page again', async () => {
  const rule = 'rule "oom" { when oom.victim cooldown 1h then stdout }';
  const oom = { event: 'oom.victim', members: { comm: 'java', pid: 77, tgid: 77, total_vm_kb: 1024, anon_rss_kb: 512 } };
  let snapshot: ReturnType<LiveEngine['snapshot']> | undefined;
  await onSimulatedKernel(rule, async ({ kernel, engine, notices }) => {
    kernel.fire(oom);
    await waitFor(() => fired(notices, 'oom').length === 1, 5_000, 'the first OOM paged');
    snapshot = engine.snapshot();
  });
  assert.ok(snapshot);
  await onSimulatedKernel(
    rule,
    async ({ kernel, engine, notices }) => {
      assert.deepEqual(engine.restored?.restored, ['oom']);
      kernel.fire(oom);
      await waitFor(() => (engine.stats().evaluator.perRule.get('oom')?.matched ?? 0) === 1, 5_000, 'the second OOM was matched');
      await engine.stop();
      assert.deepEqual(fired(notices, 'oom'), [], 'no second page within the cooldown');
    },
    { restore: snapshot },
  );
});

test('a backlog more than a second behind the kernel sheds the high-rate kinds rules need, in the kernel and here, and counts what it shed', async () => {
  const shedding: unknown[] = [];
  await onSimulatedKernel(
    'rule "forks" { when process.fork and comm == "busy" then stdout }\nrule "oom" { when oom.victim then stdout }',
    async ({ kernel, engine, notices }) => {
      const past = process.hrtime.bigint() - 3_000_000_000n;
      for (let i = 0; i < 60_000; i++) kernel.fire({ event: 'process.fork', monoNs: past + BigInt(i), members: { comm: 'busy', pid: i, tgid: i } });
      await waitFor(() => shedding.length > 0, 10_000, 'shedding began');
      kernel.fire({ event: 'process.fork', members: { comm: 'busy', pid: 1, tgid: 1 } });
      kernel.fire({ event: 'oom.victim', members: { comm: 'java', pid: 2, tgid: 2 } });
      await waitFor(() => fired(notices, 'oom').length === 1, 5_000, 'the OOM paged while forks were shed');
      const stats = engine.stats();
      assert.ok((stats.counters.get('process.fork')?.shed ?? 0) >= 1, 'the kernel shed the fork fired after shedding began');
      assert.equal(stats.counters.get('oom.victim')?.shed, 0, 'rare kinds are never shed');
      assert.ok((stats.shedHere.get('process.fork') ?? 0) + (stats.counters.get('process.fork')?.shed ?? 0) > 0);
      assert.equal(stats.counters.get('process.fork')?.lost, 0, 'the ring held the backlog');
    },
    { onOverload: (s) => shedding.push(s) },
  );
});

test('restored state goes on from the clock it was saved on: the monotonic gap on the same boot, whatever the wall clock did; the wall-clock gap after a reboot', async () => {
  const rule = 'rule "brief" { when oom.victim cooldown 3s then stdout }';
  const monoNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;
  const kernel = new SimulatedKernel();
  const rebooted = new SimulatedKernel();
  const realNow = Date.now.bind(Date);
  try {
    const notices: AlertNotice[] = [];
    const first = LiveEngine.start(rulesFrom(rule), { host: 'sim', tickMs: 20, onNotice: (n) => notices.push(n), kernel });
    kernel.fire({ event: 'oom.victim', members: { comm: 'java', pid: 1, tgid: 1 } });
    await waitFor(() => fired(notices, 'brief').length === 1, 5_000, 'the OOM fired');
    const saved = first.snapshot();
    await first.stop();
    assert.ok(saved.clock, 'the snapshot says where its clock stood');

    Date.now = () => realNow() + 120_000; // the wall clock steps while no agent runs
    const again: AlertNotice[] = [];
    const restoredAt = performance.now();
    const second = LiveEngine.start(rulesFrom(rule), { host: 'sim', tickMs: 20, onNotice: (n) => again.push(n), kernel, restore: saved });
    assert.ok(Math.abs(second.now() - (saved.savedAt + monoNowMs() - saved.clock.monoMs)) < 50, 'same boot: the gap is the monotonic one');
    await waitFor(() => again.some((n) => n.change === 'resolved'), 10_000, 'the restored alert resolved');
    const resolvedAfter = performance.now() - restoredAt;
    await second.stop();
    assert.ok(resolvedAfter >= 2_000, `resolved ${resolvedAfter.toFixed(0)} ms after the restore: what was left of its 3 s cooldown, not at once`);

    const third = LiveEngine.start(rulesFrom(rule), { host: 'sim', tickMs: 20, onNotice: () => undefined, kernel: rebooted, restore: saved });
    assert.ok(Math.abs(third.now() - (saved.savedAt + Date.now() - saved.clock.wallMs)) < 50, 'after a reboot: the gap is the wall clock one, step included');
    await third.stop();
  } finally {
    Date.now = realNow;
    kernel.dispose();
    rebooted.dispose();
  }
});
