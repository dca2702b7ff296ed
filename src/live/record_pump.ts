/**
 * Between the ring reader and whoever consumes records: holds the batches
 * the reader handed over, decodes them and hands the events on in slices of
 * bounded time, urgent batches first and whole, and yields to the event loop
 * between slices, so that ticks, deliveries, outbox writes and /metrics keep
 * running whatever arrives. A batch's bytes go back to the reader once its
 * records were consumed: that budget is the back-pressure which keeps a
 * backlog in the kernel's ring (where a loss is counted per kind), never in
 * the JS heap.
 */
import { performance } from 'node:perf_hooks';
import { Decoder } from '../events/decoder';
import type { KernelEvent } from '../events/event';
import type { EventSpec } from '../events/types';

export interface PumpOptions {
  /** time one slice may take before yielding, in ms */
  readonly sliceMs: number;
}

export const DEFAULT_SLICE_MS = 5;

export interface PumpStats {
  /** bytes handed over by the reader and not yet consumed */
  readonly backlogBytes: number;
  /** how far behind the kernel the oldest record waiting is, in ms (0: none waiting) */
  readonly lagMs: number;
  /** slices run, and the longest one in ms */
  readonly slices: number;
  readonly longestSliceMs: number;
  /** age in ms of records when consumed: the largest of the last 5 to 10 seconds */
  readonly maxAgeMs: number;
}

interface Pending {
  readonly batch: Buffer;
  at: number;
}

/** Records handed on per call at first; adapted so that one call stays well inside a slice. */
const FIRST_CHUNK = 64;
const MAX_CHUNK = 4096;
/** ages are kept as the largest of windows this long */
const AGE_WINDOW_MS = 5_000;
/** How long after the bulk lane went empty no older bulk record can still be in the kernel's ring: a few of the reader's flushes. */
const BULK_SETTLE_MS = 100;

export class RecordPump {
  private readonly urgent: Buffer[] = [];
  private readonly bulk: Pending[] = [];
  private backlogBytes = 0;
  private scheduled = false;
  private chunk = FIRST_CHUNK;
  private slices = 0;
  private longestSliceMs = 0;
  /** the largest age of the current AGE_WINDOW_MS, and of the one before */
  private age = { window: 0, max: 0, previous: 0 };
  /** the newest bulk record consumed, monotonic ns */
  private bulkSeenNs = 0n;
  /** bit `kind`: bulk records of that kind waiting here are dropped, not consumed (see overload.ts) */
  private shedMask = 0;
  /** records dropped that way, per event */
  readonly shedByEvent = new Map<string, number>();
  /** callers waiting for every record before a time to be consumed (passed()) */
  private passWaiters: Array<{ readonly ns: bigint; readonly resolve: () => void }> = [];
  private passTimer: NodeJS.Timeout | undefined;
  private readonly countShed = (spec: EventSpec): void => {
    this.shedByEvent.set(spec.name, (this.shedByEvent.get(spec.name) ?? 0) + 1);
  };

  constructor(
    private readonly decoder: Decoder,
    private readonly consume: (events: readonly KernelEvent[]) => void,
    /** gives a batch's bytes back to the reader */
    private readonly release: (urgent: boolean, bytes: number) => void,
    private readonly options: PumpOptions = { sliceMs: DEFAULT_SLICE_MS },
  ) {}

  push(batch: Buffer, urgent: boolean): void {
    this.backlogBytes += batch.length;
    if (urgent) this.urgent.push(batch);
    else this.bulk.push({ batch, at: 0 });
    this.schedule();
  }

  /** Consumes everything waiting now, in one go: the session is stopping. */
  drain(): void {
    while (this.urgent.length > 0 || this.bulk.length > 0) this.slice(Infinity);
  }

  /**
   * Bulk records of the kinds in `mask` that are waiting here are dropped
   * and counted (shedByEvent) instead of consumed, as the kernel sheds new ones.
   */
  shed(mask: number): void {
    this.shedMask = mask;
  }

  /**
   * Resolves once every record stamped before monotonic `ns` was consumed:
   * the bulk records waiting are all newer, or none waits and the reader has
   * had time to hand over what the rings held then, and no urgent one waits.
   */
  passed(ns: bigint): Promise<void> {
    return new Promise((resolve) => {
      this.passWaiters.push({ ns, resolve });
      this.checkPassed();
    });
  }

  /** How far behind the kernel the oldest bulk record waiting is, in ms (0: none waiting). */
  lagMs(): number {
    const head = this.bulk[0];
    return head ? Math.max(0, this.monoNowMs() - Number(Decoder.timeAt(head.batch, head.at)) / 1e6) : 0;
  }

  stats(): PumpStats {
    this.rotateAges();
    return {
      backlogBytes: this.backlogBytes,
      lagMs: this.lagMs(),
      slices: this.slices,
      longestSliceMs: this.longestSliceMs,
      maxAgeMs: Math.max(this.age.max, this.age.previous),
    };
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // setImmediate runs after the loop's I/O callbacks, and timers run before the next one
    setImmediate(() => {
      this.scheduled = false;
      this.slice(this.options.sliceMs);
      if (this.urgent.length > 0 || this.bulk.length > 0) this.schedule();
    });
  }

  private slice(budgetMs: number): void {
    const start = performance.now();
    this.slices++;
    // urgent batches are few and small: always whole, before any bulk record
    for (let b = this.urgent.shift(); b; b = this.urgent.shift()) this.consumeWhole(b, true);
    while (this.bulk.length > 0 && performance.now() - start < budgetMs) {
      const head = this.bulk[0] as Pending;
      const events: KernelEvent[] = [];
      const chunkStart = performance.now();
      head.at = this.decoder.decodeSome(head.batch, head.at, this.chunk, (e) => events.push(e), this.shedMask, this.countShed);
      this.hand(events);
      this.adaptChunk(performance.now() - chunkStart, budgetMs);
      const last = events[events.length - 1];
      if (last && last.monoNs > this.bulkSeenNs) this.bulkSeenNs = last.monoNs;
      if (head.at >= head.batch.length) {
        this.bulk.shift();
        this.giveBack(false, head.batch.length);
      }
    }
    this.settleReleases();
    this.checkPassed();
    const took = performance.now() - start;
    if (took > this.longestSliceMs) this.longestSliceMs = took;
  }

  private consumeWhole(batch: Buffer, urgent: boolean): void {
    const events: KernelEvent[] = [];
    this.decoder.decodeBatch(batch, (e) => events.push(e));
    this.hand(events);
    this.giveBack(urgent, batch.length);
  }

  private hand(events: readonly KernelEvent[]): void {
    if (events.length === 0) return;
    const age = this.monoNowMs() - Number((events[0] as KernelEvent).monoNs) / 1e6;
    this.rotateAges();
    if (age > this.age.max) this.age.max = age;
    this.consume(events);
  }

  private rotateAges(): void {
    const window = Math.floor(this.monoNowMs() / AGE_WINDOW_MS);
    if (window === this.age.window) return;
    this.age = { window, max: 0, previous: window === this.age.window + 1 ? this.age.max : 0 };
  }

  private giveBack(urgent: boolean, bytes: number): void {
    this.backlogBytes -= bytes;
    this.release(urgent, bytes);
  }

  /** A chunk should take a small part of a slice, whatever one record costs (one rule or five thousand). */
  private adaptChunk(tookMs: number, budgetMs: number): void {
    if (!Number.isFinite(budgetMs)) return;
    if (tookMs > budgetMs / 4 && this.chunk > 1) this.chunk = Math.max(1, this.chunk >> 1);
    else if (tookMs < budgetMs / 16 && this.chunk < MAX_CHUNK) this.chunk <<= 1;
  }

  /**
   * cgroup.release comes through the urgent ring, ahead of older bulk
   * records naming the same cgroup: its path is forgotten only once the bulk
   * records up to its time were consumed.
   */
  private settleReleases(): void {
    const head = this.bulk[0];
    if (head) return this.decoder.settleReleases(Decoder.timeAt(head.batch, head.at) - 1n);
    const quietSince = BigInt(Math.floor((this.monoNowMs() - BULK_SETTLE_MS) * 1e6));
    this.decoder.settleReleases(quietSince > this.bulkSeenNs ? quietSince : this.bulkSeenNs);
  }

  /** The time before which every record was consumed, monotonic ns. */
  private consumedUntil(): bigint {
    if (this.urgent.length > 0) return 0n;
    const head = this.bulk[0];
    if (head) return Decoder.timeAt(head.batch, head.at) - 1n;
    return BigInt(Math.floor((this.monoNowMs() - BULK_SETTLE_MS) * 1e6));
  }

  private checkPassed(): void {
    if (this.passWaiters.length === 0) return;
    const until = this.consumedUntil();
    const done = this.passWaiters.filter((w) => w.ns <= until);
    this.passWaiters = this.passWaiters.filter((w) => w.ns > until);
    for (const w of done) w.resolve();
    clearTimeout(this.passTimer);
    // with no record arriving no slice runs: look again once the reader has had its time
    if (this.passWaiters.length > 0) this.passTimer = setTimeout(() => this.checkPassed(), BULK_SETTLE_MS).unref();
  }

  private monoNowMs(): number {
    return Number(process.hrtime.bigint()) / 1e6;
  }
}
