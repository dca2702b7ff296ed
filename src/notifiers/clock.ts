/**
 * The clocks of delivery and self-monitoring. Every wait and deadline
 * (backoff, Retry-After, pacing, outbox expiry, periodic re-sends, how long
 * a notifier has failed, self-alert windows and repeats) is arithmetic on
 * `now`, a monotonic clock, so a step of the wall clock (an NTP step at boot,
 * a VM resumed, `date -s`) moves none of them. `wallNow` is read only for
 * what a person or a receiver sees (startsAt, a signed timestamp) and for
 * times saved on disk that must outlive a reboot, where `now` starts again.
 */
import { performance } from 'node:perf_hooks';

export interface Clock {
  /** monotonic ms: performance.now() is CLOCK_MONOTONIC, which stands still while the machine is suspended */
  now(): number;
  /** wall-clock ms since the epoch */
  wallNow(): number;
  /** Calls `fn` once `ms` have passed on `now`; returns what cancels it. Never keeps the process alive by itself. */
  after(ms: number, fn: () => void): () => void;
}

export const systemClock: Clock = {
  now: () => performance.now(),
  wallNow: () => Date.now(),
  // Node's timers run on libuv's monotonic clock, the same kind as now(): a wall step moves them no more than it moves now()
  after: (ms, fn) => {
    const timer = setTimeout(fn, Math.max(0, ms));
    timer.unref();
    return () => clearTimeout(timer);
  },
};

/**
 * A wall time read back from disk, on this run's monotonic clock: as long
 * ago as the wall clock says now. Converted once, when it is read; a wall
 * step between the write and the read moves it by the step, one after moves
 * it no more.
 */
export function monotonicFromWall(wallMs: number, clock: Clock): number {
  return clock.now() - (clock.wallNow() - wallMs);
}
