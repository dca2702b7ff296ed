/**
 * A Prometheus histogram kept as cumulative bucket counts, for the time from
 * an alert raised to its outbox entry fsynced (the promise is 100 ms; the
 * buckets are dense around it).
 */

/** upper bounds in seconds; +Inf is implied */
export const PERSIST_BUCKETS: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

export interface HistogramSnapshot {
  /** [upper bound, observations at or below it], in order; the last bound is +Inf and its count is `count` */
  readonly buckets: readonly (readonly [number, number])[];
  readonly count: number;
  /** seconds */
  readonly sum: number;
}

export class Histogram {
  private readonly counts: number[];
  private count = 0;
  private sum = 0;

  constructor(private readonly bounds: readonly number[] = PERSIST_BUCKETS) {
    this.counts = bounds.map(() => 0);
  }

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    for (let i = 0; i < this.bounds.length; i++) if (seconds <= (this.bounds[i] as number)) this.counts[i] = (this.counts[i] as number) + 1;
  }

  snapshot(): HistogramSnapshot {
    return {
      buckets: [...this.bounds.map((b, i) => [b, this.counts[i] as number] as const), [Infinity, this.count] as const],
      count: this.count,
      sum: this.sum,
    };
  }
}
