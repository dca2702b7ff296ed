/**
 * The cgroup path cache under the live runtime, on the simulated kernel: a
 * record naming a cgroup the cache does not know yet (its mkdir record never
 * came) is decoded at once without the path, its rules are told a record
 * went missing, and the background walk names the cgroup later.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AlertNotice } from '../../src/engine/rule_state';
import { LiveEngine } from '../../src/live/live_engine';
import { SimulatedKernel } from '../../src/live/simulated_kernel';
import { rulesFrom } from '../engine/helpers';
import { retryUntil } from '../support/bounded';

const noticeOf = (notices: readonly AlertNotice[], comm: string, change: AlertNotice['change']): Promise<AlertNotice> =>
  retryUntil(`a ${change} notice for ${comm}`, 5_000, () => notices.find((n) => n.change === change && n.alert.fields.comm === comm));

test('a record in a cgroup the cache does not know yet fires without its path, the alert says a record is missing, and a walk names the cgroup', async () => {
  const kernel = new SimulatedKernel();
  const notices: AlertNotice[] = [];
  const rules = rulesFrom('rule "exits" { when process.exit and comm matches "kw-*" by comm cooldown 100ms then stdout }');
  const engine = LiveEngine.start(rules, { host: 'sim', tickMs: 20, onNotice: (n) => notices.push(n), kernel });
  const exit = (comm: string): Parameters<SimulatedKernel['fire']>[0] => ({ event: 'process.exit', cgroup: '/late', members: { comm, pid: 4242, tgid: 4242 } });
  try {
    // a first alert: by then the cache's first walk of the hierarchy has run
    kernel.fire({ event: 'process.exit', members: { comm: 'kw-warm', pid: 4241, tgid: 4241 } });
    assert.equal((await noticeOf(notices, 'kw-warm', 'resolved')).alert.degraded, undefined);
    const id = kernel.mkdir('/late', false); // no cgroup.mkdir record
    kernel.fire(exit('kw-first'));
    const first = await noticeOf(notices, 'kw-first', 'firing');
    assert.equal(first.alert.fields.cgroup, undefined, 'no path rather than a wrong one');
    assert.equal(first.alert.fields.cgroup_id, id);
    assert.deepEqual((await noticeOf(notices, 'kw-first', 'resolved')).alert.degraded, { lostRecords: 1 });
    assert.equal(engine.stats().unresolved.get('process.exit'), 1, 'counted for kernwatch_records_unresolved_total');
    // the miss asked for a walk, which runs within a second of the first one
    let attempt = 0;
    const named = await retryUntil(
      'the walk named /late',
      5_000,
      async () => {
        const comm = `kw-later-${attempt++}`;
        kernel.fire(exit(comm));
        const n = await noticeOf(notices, comm, 'firing');
        return n.alert.fields.cgroup === '/late' ? n : undefined;
      },
      100,
    );
    assert.equal(named.alert.fields.cgroup_id, id);
  } finally {
    await engine.stop().catch(() => undefined);
    kernel.dispose();
  }
});
