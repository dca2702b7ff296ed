/**
 * A clock a test moves by hand: monotonic time stands still until
 * advance(), which runs the timers that fall due, in order. Wall time is
 * its own, steppable apart (a `date -s`), as the real clocks are.
 */
import type { Clock } from '../../src/notifiers/clock';

interface Timer {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
}

export class FakeClock implements Clock {
  private t = 0;
  private wallOffset: number;
  private seq = 0;
  private timers: Timer[] = [];

  constructor(wallStart = Date.parse('2026-11-25T15:00:00.000Z')) {
    this.wallOffset = wallStart;
  }

  now(): number {
    return this.t;
  }

  wallNow(): number {
    return this.wallOffset + this.t;
  }

  after(ms: number, fn: () => void): () => void {
    const timer = { at: this.t + Math.max(0, ms), seq: this.seq++, fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((x) => x !== timer);
    };
  }

  /** Deadlines of the timers not yet run, soonest first. */
  pending(): number[] {
    return this.sorted().map((x) => x.at);
  }

  /** Moves monotonic (and wall) time on by `ms`, running each timer due by then at its own time. */
  advance(ms: number): void {
    const until = this.t + ms;
    for (let next = this.sorted()[0]; next && next.at <= until; next = this.sorted()[0]) {
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.at);
      next.fn();
    }
    this.t = until;
  }

  /** Moves monotonic time to the soonest timer and runs it (and any due with it); returns the new time. */
  advanceToNext(): number {
    const next = this.sorted()[0];
    if (next) this.advance(next.at - this.t);
    return this.t;
  }

  /** Steps the wall clock only, as NTP or `date -s` does. */
  stepWall(ms: number): void {
    this.wallOffset += ms;
  }

  private sorted(): Timer[] {
    return [...this.timers].sort((a, b) => a.at - b.at || a.seq - b.seq);
  }
}

/**
 * Replaces Date.now for the body's length, `offsetMs` off the real one: a
 * wall-clock step that code reading Date.now for a wait would see.
 */
export async function withWallStep<T>(offsetMs: () => number, body: () => Promise<T>): Promise<T> {
  const real = Date.now;
  Date.now = () => real() + offsetMs();
  try {
    return await body();
  } finally {
    Date.now = real;
  }
}
