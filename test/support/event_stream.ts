/**
 * A live KernelSession whose events a test can look back on and wait for:
 * every delivered event is kept (up to a bound) and handed to listeners, and
 * per-event delivered counts are kept for the counter checks.
 */
import type { KernelEvent } from '../../src/events/event';
import { KernelSession } from '../../src/live/session';
import type { EventCounters } from '../../src/live/stats';

/** Oldest events are dropped past this; high-rate events can burst to ~20,000. */
const MAX_KEPT = 200_000;

export type EventListener = (e: KernelEvent) => void;

export interface StreamResult {
  /** per event name, from the kernel's stats map */
  readonly counters: ReadonlyMap<string, EventCounters>;
  /** per event name, events that reached JavaScript */
  readonly delivered: ReadonlyMap<string, number>;
  readonly malformed: number;
  readonly errors: readonly Error[];
}

export class EventStream {
  readonly delivered = new Map<string, number>();
  readonly errors: Error[] = [];
  private kept: KernelEvent[] = [];
  private readonly listeners = new Set<EventListener>();
  private result: Promise<StreamResult> | undefined;

  /** set once in open(): the session's callbacks only run after it returns */
  session!: KernelSession;

  private constructor() {}

  /** Starts a session for `events` (catalog names); fails if any is missing. */
  static open(events: readonly string[]): EventStream {
    const stream = new EventStream();
    stream.session = KernelSession.start({
      events,
      onEvents: (batch) => stream.receive(batch),
      onError: (e) => stream.errors.push(e),
    });
    if (stream.session.unavailable.size > 0) {
      stream.close().catch(() => undefined); // the unavailable events are the error worth reporting
      const why = [...stream.session.unavailable].map(([event, reason]) => `${event} (${reason})`);
      throw new Error(`events unavailable on this kernel: ${why.join(', ')}`);
    }
    return stream;
  }

  /** Events delivered so far, oldest first (bounded by MAX_KEPT). */
  events(): readonly KernelEvent[] {
    return this.kept;
  }

  /** Calls `listener` for every event delivered from now on; returns the unsubscribe. */
  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stops the session (everything still in the ring buffer is delivered),
   * reads the counters and frees the kernel objects. Safe to call twice.
   */
  close(): Promise<StreamResult> {
    this.result ??= (async () => {
      try {
        await this.session.stop();
        const counters = this.session.counters();
        return {
          counters,
          delivered: new Map(this.delivered),
          malformed: this.session.decoder.stats.malformed,
          errors: [...this.errors],
        };
      } finally {
        this.session.close();
      }
    })();
    return this.result;
  }

  private receive(batch: readonly KernelEvent[]): void {
    for (const e of batch) {
      this.delivered.set(e.name, (this.delivered.get(e.name) ?? 0) + 1);
      this.kept.push(e);
      for (const l of this.listeners) l(e);
    }
    if (this.kept.length > MAX_KEPT) this.kept = this.kept.slice(-MAX_KEPT / 2);
  }
}
