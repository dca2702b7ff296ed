/**
 * Self-alerts from sampled counters, with time passed in: one alert per
 * condition carrying the figure, re-sent at most once per repeat interval,
 * resolved when the condition is gone.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SelfAlertSettings } from '../../src/config/config';
import type { EventCounters } from '../../src/live/stats';
import type { NotifierStats } from '../../src/notifiers/delivery_queue';
import { Histogram } from '../../src/notifiers/histogram';
import { NOTIFIER_FAILING, OVERLOADED, RECORDS_LOST, SelfMonitor, type SelfNotice } from '../../src/agent/self_alerts';
import { retryUntil } from '../support/bounded';
import { FakeClock, withWallStep } from '../support/fake_clock';
import { deadUrl, oomAlert, withDispatcher } from '../notifiers/support';

const SETTINGS: SelfAlertSettings = {
  notify: ['oncall', 'mail'],
  lostPercent: 1,
  lostWindowMs: 60_000,
  notifierFailingForMs: 60_000,
  repeatIntervalMs: 3_600_000,
};

/** `wallNow` is the wall clock the notices read; sample times are monotonic */
function monitor(settings: Partial<SelfAlertSettings> = {}, wallNow: () => number = () => 0): { m: SelfMonitor; notices: SelfNotice[] } {
  const notices: SelfNotice[] = [];
  return { m: new SelfMonitor({ ...SETTINGS, ...settings }, 'web-3', (n) => notices.push(n), wallNow), notices };
}

const counters = (sent: number, lost: number, other = { sent: 0, lost: 0 }): Map<string, EventCounters> =>
  new Map([
    ['process.fork', { seen: sent + lost, sent, lost, filtered: 0, missed: 0, shed: 0 }],
    ['oom.victim', { seen: other.sent + other.lost, sent: other.sent, lost: other.lost, filtered: 0, missed: 0, shed: 0 }],
  ]);

function healthy(name: string, overrides: Partial<NotifierStats> = {}): NotifierStats {
  return {
    name,
    type: name === 'mail' ? 'email' : 'slack',
    delivered: 0,
    sends: 0,
    failures: 0,
    retries: 0,
    dropped: { overflow: 0, expired: 0, rejected: 0, corrupt: 0 },
    pending: 0,
    notPersisted: 0,
    consecutiveFailures: 0,
    persistSeconds: new Histogram().snapshot(),
    ...overrides,
  };
}

test('a storm of lost records is one alert with the loss percentage over the window, not one per drop', () => {
  const { m, notices } = monitor();
  // 10 minutes sampled every 5 s, losing 50 of every 1000 records throughout
  for (let i = 0; i <= 120; i++) m.observe({ t: i * 5_000, counters: counters(950 * i, 50 * i), notifiers: [] });
  assert.equal(notices.length, 1);
  const [n] = notices;
  assert.ok(n);
  assert.equal(n.change, 'firing');
  assert.deepEqual(n.notifiers, ['oncall', 'mail']);
  assert.equal(n.alert.labels.alertname, RECORDS_LOST);
  assert.equal(n.alert.rule, 'kernwatch');
  assert.equal(n.alert.severity, 'warning');
  assert.equal(n.alert.value, 5);
  assert.equal(n.alert.summary, 'the kernel lost 5% of records over the last 1m (50 of 1000; threshold 1%): most lost: process.fork 50');
  assert.equal(n.alert.fields['lost.process.fork'], 50);
  assert.deepEqual(m.firing(), [{ alertname: RECORDS_LOST }]);
});

test('record loss at or under the threshold raises nothing', () => {
  const { m, notices } = monitor();
  for (let i = 0; i <= 60; i++) m.observe({ t: i * 5_000, counters: counters(990 * i, 10 * i), notifiers: [] });
  assert.deepEqual(notices, []);
});

test('the loss alert is re-sent once per repeat interval while it lasts, then resolved a window after the loss stops', () => {
  let t = 0;
  const { m, notices } = monitor({ repeatIntervalMs: 120_000 }, () => t);
  let sent = 0;
  let lost = 0;
  // 5 minutes of loss, then 2 quiet minutes
  for (; t <= 300_000; t += 5_000) m.observe({ t, counters: counters((sent += 900), (lost += 100)), notifiers: [] });
  for (; t <= 420_000; t += 5_000) m.observe({ t, counters: counters((sent += 1000), lost), notifiers: [] });
  assert.deepEqual(
    notices.map((n) => [n.change, n.alert.state]),
    [
      ['firing', 'firing'],
      ['repeat', 'firing'],
      ['repeat', 'firing'],
      ['resolved', 'resolved'],
    ],
  );
  const fingerprints = new Set(notices.map((n) => n.alert.fingerprint));
  assert.equal(fingerprints.size, 1, 'one alert identity throughout');
  const resolved = notices.at(-1);
  // the share lost falls under 1% once most of the window is quiet
  assert.ok(
    resolved?.alert.endsAt !== undefined && resolved.alert.endsAt > 300_000 && resolved.alert.endsAt <= 360_000,
    `resolved within a window of the last loss (${resolved?.alert.endsAt})`,
  );
  assert.equal(resolved.alert.startsAt, notices[0]?.alert.startsAt);
  assert.deepEqual(m.firing(), []);
});

test('records lost before the first sample alert: loss counts from attach, not from the first sample', () => {
  const { m, notices } = monitor();
  m.attached(0);
  // 8% of the records lost in the first 5 s, then none
  m.observe({ t: 5_000, counters: counters(184_000, 16_000), notifiers: [] });
  assert.equal(notices.length, 1);
  assert.equal(notices[0]?.alert.value, 8);
  assert.match(notices[0]?.alert.summary ?? '', /lost 8% of records .* \(16000 of 200000;/);
});

test('loss right after a new kernel session counts from the last sample before it, not from its own first sample', () => {
  const { m, notices } = monitor();
  m.attached(0);
  m.observe({ t: 5_000, counters: counters(100_000, 0), notifiers: [] });
  m.observe({ t: 10_000, counters: counters(9_000, 1_000), notifiers: [] });
  assert.equal(notices.length, 1);
  assert.equal(notices[0]?.alert.value, 10);
});

test('counters that start again from zero (a new kernel session) are not read as negative loss', () => {
  const { m, notices } = monitor();
  m.observe({ t: 0, counters: counters(100_000, 5_000), notifiers: [] });
  m.observe({ t: 5_000, counters: counters(0, 0), notifiers: [] });
  for (let i = 1; i <= 12; i++) m.observe({ t: 5_000 + i * 5_000, counters: counters(1000 * i, 0), notifiers: [] });
  assert.deepEqual(notices, []);
});

test('a notifier failing past notifier_failing_for raises one alert, to the other notifiers only, resolved when it delivers again', () => {
  let t = 0;
  const { m, notices } = monitor({}, () => t);
  const failingSince = 10_000;
  for (; t <= 300_000; t += 5_000) {
    const failures = t >= failingSince ? Math.floor((t - failingSince) / 5_000) + 1 : 0;
    const failing = { consecutiveFailures: failures, failingSince, failingForMs: t - failingSince, pending: 3, lastError: 'HTTP 500: down' };
    const oncall = healthy('oncall', failures > 0 ? failing : {});
    m.observe({ t, counters: counters(0, 0), notifiers: [oncall, healthy('mail')] });
  }
  assert.equal(notices.length, 1);
  const firing = notices[0];
  assert.ok(firing);
  assert.equal(firing.alert.state, 'firing');
  assert.equal(firing.alert.startsAt, 70_000, 'fired at the first sample a minute after the first failure');
  assert.deepEqual(firing.notifiers, ['mail']);
  assert.equal(firing.alert.labels.alertname, NOTIFIER_FAILING);
  assert.equal(firing.alert.labels.notifier, 'oncall');
  assert.equal(firing.alert.severity, 'critical');
  assert.equal(
    firing.alert.summary,
    'notifier oncall (slack) has failed 13 attempts in a row since 1970-01-01T00:00:10.000Z; 3 notifications wait in its outbox; last error: HTTP 500: down',
  );
  assert.deepEqual(m.firing(), [{ alertname: NOTIFIER_FAILING, notifier: 'oncall' }]);

  m.observe({ t: 305_000, counters: counters(0, 0), notifiers: [healthy('oncall', { delivered: 3 }), healthy('mail')] });
  const resolved = notices[1];
  assert.equal(resolved?.change, 'resolved');
  assert.equal(resolved.alert.summary, 'notifier oncall (slack) delivers again after 59 failed attempts');
  assert.equal(resolved.alert.fingerprint, firing.alert.fingerprint);
  assert.deepEqual(m.firing(), []);
});

test('a notifier that fails briefly and recovers raises nothing', () => {
  const { m, notices } = monitor();
  m.observe({ t: 0, counters: counters(0, 0), notifiers: [healthy('oncall', { consecutiveFailures: 3, failingSince: 0, failingForMs: 0 })] });
  m.observe({ t: 30_000, counters: counters(0, 0), notifiers: [healthy('oncall', { consecutiveFailures: 6, failingSince: 0, failingForMs: 30_000 })] });
  m.observe({ t: 35_000, counters: counters(0, 0), notifiers: [healthy('oncall')] });
  assert.deepEqual(notices, []);
});

test('shedding is one overload alert naming the degraded rules in its annotations, resolved the moment shedding ends', () => {
  const { m, notices } = monitor();
  const shedding = { events: ['mem.pcpu_drain'], mask: 4, rules: ['drain-storm', 'drain-distinct'], since: 1_000, lagMs: 1_850 };
  m.overloadChanged(1_000, shedding);
  m.overloadChanged(2_500, undefined);
  assert.deepEqual(
    notices.map((n) => n.change),
    ['firing', 'resolved'],
  );
  const [firing, resolved] = notices;
  assert.ok(firing && resolved);
  assert.equal(firing.alert.labels.alertname, OVERLOADED);
  assert.deepEqual(Object.keys(firing.alert.labels).sort(), ['alertname', 'host', 'severity'], 'no rule names in the labels');
  assert.equal(firing.alert.fields.degraded_rules, 'drain-storm, drain-distinct');
  assert.match(
    firing.alert.summary,
    /1850 ms behind the kernel, so it sheds mem\.pcpu_drain; these rules cannot be trusted until this resolves: drain-storm, drain-distinct/,
  );
  assert.equal(resolved.alert.fingerprint, firing.alert.fingerprint);
  assert.match(resolved.alert.summary, /keeps up again/);
  assert.deepEqual(m.firing(), []);
});

for (const step of [120_000, -240_000]) {
  test(`a wall-clock step of ${step / 1000} s while the loss alert fires moves none of its samples: it repeats and resolves as without the step`, async () => {
    /** [change, monotonic t] of each notice, and the notices, with Date.now stepped by `by` from t = 150 s */
    const run = async (by: number): Promise<{ at: [string, number][]; notices: SelfNotice[] }> => {
      let t = 0;
      let offset = 0;
      const at: [string, number][] = [];
      const notices: SelfNotice[] = [];
      // the wall clock the monitor reads by default is Date.now
      const m = new SelfMonitor({ ...SETTINGS, repeatIntervalMs: 120_000 }, 'web-3', (n) => {
        at.push([n.change, t]);
        notices.push(n);
      });
      await withWallStep(
        () => offset,
        async () => {
          let sent = 0;
          let lost = 0;
          for (; t <= 300_000; t += 5_000) {
            if (t === 150_000) offset = by;
            m.observe({ t, counters: counters((sent += 900), (lost += 100)), notifiers: [] });
          }
          for (; t <= 420_000; t += 5_000) m.observe({ t, counters: counters((sent += 1000), lost), notifiers: [] });
        },
      );
      return { at, notices };
    };
    const control = await run(0);
    const stepped = await run(step);
    assert.deepEqual(stepped.at, control.at, 'the same notices at the same samples');
    const [firing, , repeat] = stepped.notices;
    assert.ok(firing && repeat && repeat.change === 'repeat');
    const shown = repeat.alert.at - firing.alert.startsAt;
    assert.ok(Math.abs(shown - step) < 5_000, `a notice made after the step shows the wall clock then (${shown} ms after startsAt)`);
  });

  test(`a notifier failing for 30 s when the wall clock steps ${step / 1000} s raises its alert a minute after its first failure, not sooner or later`, async () => {
    const clock = new FakeClock();
    let offset = 0;
    await withDispatcher(
      'self-failing',
      deadUrl,
      (dead) => `state_dir: ./state\nnotifiers:\n  hook: { type: webhook, url: "${dead.url}", secret: 0123456789abcdef }\n`,
      ({ dispatcher: d }) =>
        withWallStep(
          () => offset,
          async () => {
            const fired: number[] = [];
            const m = new SelfMonitor(SETTINGS, 'web-3', () => fired.push(clock.now()));
            await d.dispatch('hook', { alert: oomAlert(), args: [] });
            // a failure every 5 s of the queue's clock, sampled after each
            for (let attempt = 1; attempt <= 16; attempt++) {
              await retryUntil(`failed attempt ${attempt}`, 5000, () =>
                d.stats().find((x) => x.name === 'hook' && x.retries === attempt) && clock.pending().length === 1 ? true : undefined,
              );
              m.observe({ t: clock.now(), counters: counters(0, 0), notifiers: d.stats() });
              if (clock.now() === 30_000) {
                offset = step;
                clock.stepWall(step);
              }
              clock.advanceToNext();
            }
            assert.deepEqual(fired, [60_000]);
          },
        ),
      { clock, backoff: { baseMs: 5_000, capMs: 5_000 }, random: () => 1 },
    );
  });
}
