/**
 * The one pacer of sends. A notifier's sends start at least its
 * min_interval apart, and notifiers whose sends count against one limit
 * share one pace: Slack allows one message a second per webhook, and two
 * notifiers (two channels) may post to the same webhook. One Pacer per
 * dispatcher, shared by its queues, on their clock.
 */
export class Pacer {
  /** earliest start of the next send, by pace key, on the queues' monotonic clock */
  private readonly next = new Map<string, number>();

  /** When a send under `key` may start. */
  readyAt(key: string): number {
    return this.next.get(key) ?? -Infinity;
  }

  /** A send under `key` starts at `now`: the next one under it waits `intervalMs`. */
  started(key: string, now: number, intervalMs: number): void {
    this.next.set(key, Math.max(this.readyAt(key), now + intervalMs));
  }
}
