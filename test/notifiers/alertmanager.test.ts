import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Dispatcher } from '../../src/notifiers/dispatcher';
import { retryUntil } from '../support/bounded';
import { FakeClock } from '../support/fake_clock';
import { Alertmanager, freePort } from '../support/alertmanager';
import { HOSTILE_COMM, LONG_PATH, oomAlert, tempDir, withDispatcher } from './support';

async function withAlertmanager(body: (am: Alertmanager, d: Dispatcher) => Promise<void>, clock?: FakeClock): Promise<void> {
  const amDir = tempDir('am-data');
  try {
    await withDispatcher(
      'am',
      async () => {
        const am = new Alertmanager(amDir, await freePort());
        await am.start();
        return am;
      },
      (am) => `
state_dir: ./state
notifiers:
  fleet:
    type: alertmanager
    urls: [${am.url}]
    resend_interval: 1s
`,
      (h) => body(h.server, h.dispatcher),
      clock ? { clock } : {},
    );
  } finally {
    fs.rmSync(amDir, { recursive: true, force: true });
  }
}

test('alertmanager: the alert arrives with identity labels and value annotations, read back through /api/v2/alerts', async () => {
  await withAlertmanager(async (am, d) => {
    await d.dispatch('fleet', { alert: oomAlert({ count: 3 }), args: [] });
    const [a] = await retryUntil('the alert in Alertmanager', 10_000, async () => {
      const list = await am.alerts();
      return list.length > 0 ? list : undefined;
    });
    assert.ok(a);
    assert.deepEqual(a.labels, { alertname: 'prod-oom', host: 'web-3', instance: 'web-3', job: 'kernwatch', severity: 'critical', cgroup: '/prod/api' });
    assert.equal(a.annotations.summary, 'java (4242) OOM-killed in /prod/api');
    assert.equal(a.annotations.field_comm, 'java');
    assert.equal(a.annotations.field_cgroup_id, '12345678901234567890');
    assert.equal(a.annotations.count, '3');
    assert.match(a.annotations.details ?? '', /^cgroup: \/prod\/api\ncomm: java\npid: 4242\n/);
    assert.equal(a.startsAt, '2026-11-25T15:00:00.000Z');
    assert.equal(a.status.state, 'active');
    assert.ok(Date.parse(a.endsAt) > Date.now(), 'a firing alert ends in the future, renewed by re-sends');
  });
});

test('alertmanager: resolving sets endsAt and the alert leaves the active list', async () => {
  // Alertmanager reads endsAt against its own wall clock: the queue's starts at the real one
  const clock = new FakeClock(Date.now());
  await withAlertmanager(async (am, d) => {
    await d.dispatch('fleet', { alert: oomAlert(), args: [] });
    await retryUntil('the alert', 10_000, async () => ((await am.alerts()).length === 1 ? true : undefined));
    await d.dispatch('fleet', { alert: oomAlert({ state: 'resolved', endsAt: Date.now() - 1000 }), args: [] });
    await retryUntil('the alert resolved', 10_000, async () => ((await am.alerts()).length === 0 ? true : undefined));
    // the re-send cadence must not bring it back: three re-sends, each over once the queue waits for the next
    for (let i = 0; i < 3; i++) {
      const t = clock.advanceToNext();
      await retryUntil(`the re-send at ${t} ms`, 5000, () => ((clock.pending()[0] ?? 0) > t ? true : undefined));
    }
    assert.equal((await am.alerts()).length, 0);
  }, clock);
});

test('alertmanager: a restarted Alertmanager is refilled by the re-send cadence', async () => {
  await withAlertmanager(async (am, d) => {
    await d.dispatch('fleet', { alert: oomAlert(), args: [] });
    await retryUntil('the alert', 10_000, async () => ((await am.alerts()).length === 1 ? true : undefined));
    await am.stop();
    fs.rmSync(path.join(am.dir, 'data'), { recursive: true, force: true });
    await am.start();
    const [a] = await retryUntil('the alert back after the restart', 15_000, async () => {
      const list = await am.alerts();
      return list.length === 1 ? list : undefined;
    });
    assert.equal(a?.labels.alertname, 'prod-oom');
    assert.equal(a?.startsAt, '2026-11-25T15:00:00.000Z', 'same alert, same start');
  });
});

test('alertmanager: control and bidi characters in labels are shown, never passed on', async () => {
  await withAlertmanager(async (am, d) => {
    const hostile = 'x\r\nBcc:a@ev.il\u001b[31m\u202e';
    await d.dispatch('fleet', { alert: oomAlert({ labels: { alertname: 'prod-oom', cgroup: hostile }, summary: hostile }), args: [] });
    const [a] = await retryUntil('the alert', 10_000, async () => {
      const l = await am.alerts();
      return l.length === 1 ? l : undefined;
    });
    assert.equal(a?.labels.cgroup, 'x\\x0d\\x0aBcc:a@ev.il\\x1b[31m\\u202e');
    assert.equal(a?.annotations.summary, 'x\\x0d\\x0aBcc:a@ev.il\\x1b[31m\\u202e');
  });
});

test('alertmanager: hostile and huge values are capped; a long identity label keeps a hash so alerts stay distinct', async () => {
  await withAlertmanager(async (am, d) => {
    const labels = { alertname: 'prod-oom', cgroup: LONG_PATH };
    await d.dispatch('fleet', { alert: oomAlert({ fingerprint: 'a', labels, fields: { comm: HOSTILE_COMM, cgroup: LONG_PATH } }), args: [] });
    await d.dispatch('fleet', { alert: oomAlert({ fingerprint: 'b', labels: { ...labels, cgroup: `${LONG_PATH}b` } }), args: [] });
    const list = await retryUntil('both alerts', 10_000, async () => {
      const l = await am.alerts();
      return l.length === 2 ? l : undefined;
    });
    for (const a of list) assert.ok((a.labels.cgroup ?? '').length <= 256);
    assert.notEqual(list[0]?.labels.cgroup, list[1]?.labels.cgroup);
    const withComm = list.find((a) => a.annotations.fingerprint === 'a');
    assert.equal(withComm?.annotations.field_comm, '<!channel> <img src=x>\\x0d\\x0aBcc: evil@example.com');
    assert.match(
      withComm?.annotations.details ?? '',
      /\ncomm: <!channel> <img src=x>\\x0d\\x0aBcc: evil@example.com(\n|$)/,
      'a newline in a value forges no line of the description',
    );
    assert.ok((withComm?.annotations.field_cgroup ?? '').length <= 2048);
  });
});
