/**
 * Delivery waits on the monotonic clock: a wall-clock step (NTP at boot, a
 * VM resumed, `date -s`) of +120 s or -240 s while a backoff, a Retry-After
 * or an outbox max_age is pending changes none of them. Date.now and the
 * queue's own wall clock are both stepped; only monotonic time is advanced.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NotifierStats } from '../../src/notifiers/delivery_queue';
import { Outbox, idempotencyKey } from '../../src/notifiers/outbox';
import { retryUntil } from '../support/bounded';
import { FakeClock, withWallStep } from '../support/fake_clock';
import { Receiver, oomAlert, withDispatcher, withTempDir } from './support';

const STEPS = [120_000, -240_000];

const hookYaml = (url: string, extra = ''): string =>
  `state_dir: ./state\nnotifiers:\n  hook: { type: webhook, url: "${url}", secret: 0123456789abcdef${extra} }\n`;

interface SteppedHook {
  readonly r: Receiver;
  readonly clock: FakeClock;
  /** steps Date.now and the queue's wall clock, never its monotonic one */
  readonly stepWall: (ms: number) => void;
  readonly stats: () => NotifierStats | undefined;
  readonly dispatch: () => Promise<unknown>;
}

/** A webhook notifier on a FakeClock whose backoff is exactly 10 s. */
async function withSteppedHook(extra: string, body: (h: SteppedHook) => Promise<void>): Promise<void> {
  const clock = new FakeClock();
  let step = 0;
  await withDispatcher(
    'clock-steps',
    () => Receiver.start(),
    (r) => hookYaml(r.url, extra),
    ({ server: r, dispatcher: d }) =>
      withWallStep(
        () => step,
        () =>
          body({
            r,
            clock,
            stepWall: (ms) => {
              step += ms;
              clock.stepWall(ms);
            },
            stats: () => d.stats().find((s) => s.name === 'hook'),
            dispatch: () => d.dispatch('hook', { alert: oomAlert(), args: [] }),
          }),
      ),
    { clock, backoff: { baseMs: 10_000, capMs: 10_000 }, random: () => 1 },
  );
}

for (const step of STEPS) {
  test(`a retry backoff of 10 s is 10 s on the monotonic clock after a wall-clock step of ${step / 1000} s; failing-for counts it too`, async () => {
    await withSteppedHook('', async ({ r, clock, stepWall, stats, dispatch }) => {
      r.replies = [{ status: 503 }];
      const failedAt = clock.wallNow();
      await dispatch();
      await retryUntil('the retry scheduled', 5000, () => (stats()?.retries === 1 && clock.pending().length === 1 ? true : undefined));
      assert.deepEqual(clock.pending(), [10_000]);
      stepWall(step);
      clock.advance(9_999);
      assert.equal(r.requests.length, 1, 'not retried early');
      assert.equal(stats()?.failingForMs, 9_999, 'how long it has failed: monotonic');
      assert.equal(stats()?.failingSince, failedAt, 'when it began: the wall clock then, for display');
      clock.advance(1);
      await retryUntil('the retry', 5000, () => r.requests[1]);
      await retryUntil('healthy again', 5000, () => (stats()?.delivered === 1 ? true : undefined));
      assert.equal(stats()?.failingForMs, undefined);
    });
  });

  test(`a Retry-After date is made a delay when the answer arrives: a wall-clock step of ${step / 1000} s after it moves the retry not`, async () => {
    await withSteppedHook('', async ({ r, clock, stepWall, stats, dispatch }) => {
      r.replies = [{ status: 503, headers: { 'retry-after': new Date(clock.wallNow() + 30_000).toUTCString() } }];
      await dispatch();
      await retryUntil('the retry scheduled', 5000, () => (stats()?.retries === 1 && clock.pending().length === 1 ? true : undefined));
      assert.deepEqual(clock.pending(), [30_000], 'the date, less the wall clock at arrival');
      stepWall(step);
      clock.advance(29_999);
      assert.equal(r.requests.length, 1);
      clock.advance(1);
      await retryUntil('the retry', 5000, () => r.requests[1]);
    });
  });

  test(`an outbox max_age of 1m is a minute on the monotonic clock after a wall-clock step of ${step / 1000} s`, async () => {
    await withSteppedHook(', outbox: { max_age: 1m }', async ({ r, clock, stepWall, stats, dispatch }) => {
      r.replies = Array.from({ length: 20 }, () => ({ status: 503 }));
      await dispatch();
      await retryUntil('the retry scheduled', 5000, () => (stats()?.retries === 1 && clock.pending().length === 1 ? true : undefined));
      stepWall(step);
      // every retry turn looks at the age: up to a minute old, none is older than max_age
      for (let t = 10_000; t <= 60_000; t += 10_000) {
        assert.equal(clock.advanceToNext(), t);
        await retryUntil(`the retry at ${t} ms`, 5000, () => (stats()?.retries === t / 10_000 + 1 && clock.pending().length === 1 ? true : undefined));
      }
      assert.equal(stats()?.dropped.expired, 0, 'not expired by the step');
      assert.equal(stats()?.pending, 1);
      clock.advanceToNext();
      await retryUntil('the expiry', 5000, () => (stats()?.dropped.expired === 1 ? true : undefined));
      assert.equal(r.requests.length, 7, 'not sent once expired');
    });
  });
}

test('an entry read back from disk is as old as the wall clock says at load, then ages on the monotonic clock (a new boot restarts it)', async () => {
  await withTempDir('outbox-age', async (dir) => {
    const settings = { maxEntries: 10, maxAgeMs: 60_000 };
    const before = new FakeClock();
    const box = await Outbox.open(dir, settings, before);
    const alert = oomAlert();
    await box.add({ key: idempotencyKey(alert, []), notifier: 'hook', args: [], alert, enqueuedAt: before.wallNow() });
    // the next boot: monotonic time from 0 again, the wall clock 50 s on
    const after = new FakeClock(before.wallNow() + 50_000);
    const again = await Outbox.open(dir, settings, after);
    after.stepWall(-240_000);
    after.advance(10_000);
    assert.deepEqual(await again.expire(), [], 'a minute is not up yet, whatever the wall clock did since');
    after.advance(1);
    assert.equal((await again.expire()).length, 1);
  });
});
