/**
 * A sliding window over evaluation ticks: events are binned into buckets one
 * tick wide, and the window at tick T counts the events of [T - W, T). Only
 * non-empty buckets are kept, so memory follows activity, not window length.
 */
import type { FieldValue } from '../events/event';

interface Bucket {
  index: number;
  count: number;
  sum: number;
  max: number;
}

export type AggregateFn = 'count' | 'rate' | 'sum' | 'max' | 'distinct';

export class Window {
  private readonly buckets: Bucket[] = [];
  /** distinct: value -> last bucket it was seen in */
  private readonly lastSeen = new Map<FieldValue, number>();

  constructor(
    private readonly fn: AggregateFn,
    private readonly tickMs: number,
    /** the window in ticks */
    private readonly ticks: number,
  ) {}

  /** Adds `n` events (or one event with `value`) at time `t` (ms). */
  add(t: number, n: number, value?: FieldValue): void {
    const index = Math.floor(t / this.tickMs);
    let last = this.buckets[this.buckets.length - 1];
    if (!last || last.index !== index) {
      if (last && index < last.index) {
        // late event: fold into the bucket it belongs to if still kept
        const target = this.buckets.find((b) => b.index === index);
        if (target) return this.fold(target, n, value);
        if (index <= last.index - this.ticks) return; // already out of every window
        const bucket = { index, count: 0, sum: 0, max: -Infinity };
        this.buckets.splice(
          this.buckets.findIndex((b) => b.index > index),
          0,
          bucket,
        );
        return this.fold(bucket, n, value);
      }
      last = { index, count: 0, sum: 0, max: -Infinity };
      this.buckets.push(last);
    }
    this.fold(last, n, value);
  }

  private fold(b: Bucket, n: number, value: FieldValue | undefined): void {
    b.count += n;
    if (typeof value === 'number') {
      b.sum += value;
      if (value > b.max) b.max = value;
    }
    if (this.fn === 'distinct' && value !== undefined) {
      const seen = this.lastSeen.get(value);
      if (seen === undefined || seen < b.index) this.lastSeen.set(value, b.index);
    }
  }

  /** The aggregate over the window ending at tick `k` (exclusive), dropping older buckets. */
  valueAt(k: number): number {
    const first = k - this.ticks;
    while (this.buckets.length > 0 && (this.buckets[0] as Bucket).index < first) this.buckets.shift();
    let count = 0;
    let sum = 0;
    let max = -Infinity;
    for (const b of this.buckets) {
      if (b.index >= k) break;
      count += b.count;
      sum += b.sum;
      if (b.max > max) max = b.max;
    }
    switch (this.fn) {
      case 'count':
        return count;
      case 'rate':
        return count / ((this.ticks * this.tickMs) / 1000);
      case 'sum':
        return sum;
      case 'max':
        return count === 0 ? 0 : max;
      case 'distinct': {
        let n = 0;
        for (const [v, seen] of this.lastSeen) {
          if (seen < first) this.lastSeen.delete(v);
          else if (seen < k) n++;
        }
        return n;
      }
    }
  }

  snapshot(): { buckets: Bucket[]; lastSeen: [FieldValue, number][] } {
    return { buckets: this.buckets.map((b) => ({ ...b })), lastSeen: [...this.lastSeen] };
  }

  restore(s: ReturnType<Window['snapshot']>): void {
    if (!Array.isArray(s.buckets)) throw new Error('no buckets');
    this.buckets.splice(0, this.buckets.length, ...s.buckets.map((b) => ({ ...b })));
    this.lastSeen.clear();
    for (const [v, i] of s.lastSeen ?? []) this.lastSeen.set(v, i);
  }

  /** Nothing left that could count at or after tick `k`. */
  emptyAt(k: number): boolean {
    const last = this.buckets[this.buckets.length - 1];
    return !last || last.index < k - this.ticks;
  }
}
