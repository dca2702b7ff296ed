/**
 * How late the event loop runs callbacks: the figure that says whether
 * ticks, deliveries and /metrics wait behind other work. Sampled over each
 * interval between reads (the agent's self-alert sampler), so a spike shows
 * for one interval and is then gone.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export class LoopDelay {
  private readonly histogram: IntervalHistogram = monitorEventLoopDelay({ resolution: 10 });
  private last = { p99Ms: 0, maxMs: 0 };

  constructor() {
    this.histogram.enable();
  }

  /** Ends the current interval: its figures are what last() says until the next call. */
  sample(): void {
    const h = this.histogram;
    this.last = h.count > 0 ? { p99Ms: h.percentile(99) / 1e6, maxMs: h.max / 1e6 } : { p99Ms: 0, maxMs: 0 };
    h.reset();
  }

  lastInterval(): { readonly p99Ms: number; readonly maxMs: number } {
    return this.last;
  }

  close(): void {
    this.histogram.disable();
  }
}
