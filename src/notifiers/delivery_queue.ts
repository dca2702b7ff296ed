/**
 * One loop per notifier: takes the oldest pending deliveries from the
 * outbox (a burst that shares a batch key goes out as one send), paces
 * sends, retries with backoff and jitter or the receiver's Retry-After, and
 * counts everything. A failing notifier never throws into the agent.
 */
import type { Outbox, DropReason } from './outbox';
import { DeliveryError, type Delivery, type Logger, type Notifier } from './notifier';
import { backoffMs, type BackoffPolicy, DEFAULT_BACKOFF } from './backoff';
import { Histogram, type HistogramSnapshot } from './histogram';
import { systemClock, type Clock } from './clock';
import { Pacer } from './pace';

export interface NotifierStats {
  readonly name: string;
  readonly type: string;
  /** deliveries the receiver accepted */
  readonly delivered: number;
  /** sends (batches) the receiver accepted */
  readonly sends: number;
  /** send attempts that failed, retryable or not */
  readonly failures: number;
  /** failed attempts that will be tried again */
  readonly retries: number;
  /** deliveries given up, by reason: outbox full, too old, rejected by the receiver, unreadable on disk */
  readonly dropped: Readonly<Record<DropReason, number>>;
  /** waiting in the outbox now */
  readonly pending: number;
  /** notifications the outbox could not write to disk (kept in memory instead) */
  readonly notPersisted: number;
  /** failed attempts since the last success: a self-alert watches this */
  readonly consecutiveFailures: number;
  /** wall-clock ms of the first failure in the current run of failures, for display; absent while healthy */
  readonly failingSince?: number;
  /** how long the current run of failures has lasted, on the monotonic clock: what a self-alert compares */
  readonly failingForMs?: number;
  /** wall-clock ms */
  readonly lastSuccessAt?: number;
  readonly lastError?: string;
  /** seconds from dispatch() (the alert raised) to its outbox entry's data fsynced, per durable delivery: kernwatch_outbox_persist_seconds */
  readonly persistSeconds: HistogramSnapshot;
}

export interface QueueOptions {
  readonly log: Logger;
  /** every wait is on its monotonic clock and its timers; wall time only for what stats() shows */
  readonly clock: Clock;
  readonly random: () => number;
  readonly backoff: BackoffPolicy;
  /** shared by a dispatcher's queues, so that notifiers on one receiver's limit share its pace; default: one of its own */
  readonly pacer?: Pacer;
}

export const DEFAULT_QUEUE_OPTIONS: Omit<QueueOptions, 'log'> = { clock: systemClock, random: Math.random, backoff: DEFAULT_BACKOFF };

export class DeliveryQueue {
  private delivered = 0;
  private sends = 0;
  private failures = 0;
  private retries = 0;
  private readonly dropped: Record<DropReason, number> = { overflow: 0, expired: 0, rejected: 0, corrupt: 0 };
  private consecutiveFailures = 0;
  private notPersisted = 0;
  /** the first failure of the current run: wall ms to show, monotonic ms to measure */
  private failingSince: { readonly wall: number; readonly at: number } | undefined;
  private lastSuccessAt: number | undefined;
  private lastError: string | undefined;
  private readonly persist = new Histogram();
  /** deliveries known to render: each is rendered once before its first send */
  private readonly renders = new WeakSet<Delivery>();

  /** earliest start of the next send after a failure (backoff, Retry-After); pacing is the pacer's */
  private notBefore = -Infinity;
  private readonly clock: Clock;
  private readonly pacer: Pacer;
  private readonly paceKey: string;
  private nextTick = 0;
  private closed = false;
  private running: Promise<void> | undefined;
  private wakeUp: (() => void) | undefined;
  private cancelTimer: (() => void) | undefined;
  private idleWaiters: (() => void)[] = [];

  constructor(
    readonly notifier: Notifier,
    readonly outbox: Outbox,
    private readonly options: QueueOptions,
  ) {
    this.clock = options.clock;
    this.pacer = options.pacer ?? new Pacer();
    this.paceKey = notifier.paceKey ?? `notifier ${notifier.name}`;
    const { setAside, recovered, movedDir } = outbox.opening;
    this.dropped.corrupt = setAside.length;
    if (movedDir) options.log.error({ notifier: notifier.name, movedTo: movedDir }, 'the outbox path was not a directory: set aside, a new outbox made');
    if (setAside.length > 0) {
      const files = setAside.slice(0, 10).map((s) => `${s.file}: ${s.reason}`);
      options.log.error({ notifier: notifier.name, entries: setAside.length, files }, 'outbox entries that cannot be delivered set aside as *.corrupt');
    }
    if (recovered > 0)
      options.log.info({ notifier: notifier.name, entries: recovered }, 'outbox entries written but not renamed by the previous run recovered');
  }

  start(): void {
    this.nextTick = this.clock.now() + (this.notifier.tickIntervalMs ?? 0);
    this.running ??= this.loop().catch((e: unknown) => {
      // a bug, not a delivery failure: say so loudly, never crash the agent
      this.options.log.error({ notifier: this.notifier.name, err: String((e as Error)?.stack ?? e) }, 'delivery loop stopped');
    });
  }

  /** New work, or a flush asking to skip the current backoff wait (never the pace). */
  wake(skipBackoff = false): void {
    if (skipBackoff) this.notBefore = -Infinity;
    this.wakeUp?.();
  }

  countDropped(reason: DropReason, deliveries: readonly Delivery[], why: string): void {
    if (deliveries.length === 0) return;
    this.dropped[reason] += deliveries.length;
    this.options.log.error(
      { notifier: this.notifier.name, reason, dropped: deliveries.length, keys: deliveries.map((d) => d.key).slice(0, 20) },
      `notifications dropped: ${why}`,
    );
  }

  /** One delivery's time from dispatch to its entry fsynced. */
  observePersist(seconds: number): void {
    this.persist.observe(seconds);
  }

  countNotPersisted(key: string, error: string): void {
    this.notPersisted++;
    this.options.log.error({ notifier: this.notifier.name, key, err: error }, 'outbox write failed: notification kept in memory only');
  }

  /** Resolves when the outbox is empty (now or later); never rejects. */
  idle(): Promise<void> {
    if (this.outbox.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.wakeUp?.();
    await this.running;
    for (const w of this.idleWaiters.splice(0)) w();
    await this.notifier.close();
  }

  stats(): NotifierStats {
    return {
      name: this.notifier.name,
      type: this.notifier.type,
      delivered: this.delivered,
      sends: this.sends,
      failures: this.failures,
      retries: this.retries,
      dropped: { ...this.dropped },
      pending: this.outbox.size,
      notPersisted: this.notPersisted,
      consecutiveFailures: this.consecutiveFailures,
      failingSince: this.failingSince?.wall,
      failingForMs: this.failingSince ? this.clock.now() - this.failingSince.at : undefined,
      lastSuccessAt: this.lastSuccessAt,
      lastError: this.lastError,
      persistSeconds: this.persist.snapshot(),
    };
  }

  private async loop(): Promise<void> {
    let troubles = 0;
    while (!this.closed) {
      try {
        await this.step();
        troubles = 0;
      } catch (e) {
        // the outbox's disk failing (EIO, ENOSPC): log, wait, keep going
        troubles++;
        this.lastError = String((e as Error)?.message ?? e);
        this.options.log.error({ notifier: this.notifier.name, err: this.lastError }, 'delivery loop error');
        await this.sleep(backoffMs(troubles, this.options.backoff, this.options.random));
      }
    }
  }

  /** One turn: expire, re-send if due, else send the next batch or wait. */
  private async step(): Promise<void> {
    const expired = await this.outbox.expire();
    this.countDropped('expired', expired, 'older than the outbox max_age');

    if (this.notifier.tick && this.notifier.tickIntervalMs && this.clock.now() >= this.nextTick) {
      await this.runTick();
      return;
    }
    const batch = this.nextBatch();
    if (batch.length === 0) {
      for (const w of this.idleWaiters.splice(0)) w();
      await this.sleep(this.notifier.tick ? this.nextTick - this.clock.now() : undefined);
      return;
    }
    // a batch without the ones set aside is taken afresh at the next turn
    if (await this.setAsideUnrenderable(batch)) return;
    // checked with no await before attempt() takes the pace: a queue sharing it cannot start in between
    const due = Math.max(this.notBefore, this.pacer.readyAt(this.paceKey));
    const now = this.clock.now();
    if (now < due) {
      // a long backoff must not hold up the periodic re-send
      await this.sleep(Math.min(due, this.notifier.tick ? this.nextTick : Infinity) - now);
      return;
    }
    await this.attempt(batch);
  }

  /**
   * Deliveries whose rendering throws (a value no schema foresaw) would fail
   * every send of their batch, forever, and hold back everything queued
   * behind them: each is set aside as `*.corrupt`, logged and counted.
   */
  private async setAsideUnrenderable(batch: readonly Delivery[]): Promise<boolean> {
    let found = false;
    for (const d of batch) {
      if (this.renders.has(d)) continue;
      try {
        this.notifier.render(d);
        this.renders.add(d);
      } catch (e) {
        found = true;
        await this.outbox.setAside(d);
        this.dropped.corrupt++;
        this.options.log.error(
          { notifier: this.notifier.name, key: d.key, id: d.id, err: String((e as Error)?.message ?? e) },
          'notification set aside as *.corrupt: it cannot be rendered',
        );
      }
    }
    return found;
  }

  private nextBatch(): Delivery[] {
    const pending = this.outbox.pending();
    const first = pending[0];
    if (!first) return [];
    const key = this.notifier.batchKey(first);
    return pending.filter((d) => this.notifier.batchKey(d) === key).slice(0, this.notifier.maxBatch);
  }

  private async attempt(batch: readonly Delivery[]): Promise<void> {
    const { log } = this.options;
    const clock = this.clock;
    this.pacer.started(this.paceKey, clock.now(), this.notifier.minIntervalMs);
    try {
      await this.notifier.send(batch);
    } catch (e) {
      this.failures++;
      this.consecutiveFailures++;
      this.failingSince ??= { wall: clock.wallNow(), at: clock.now() };
      const err = e instanceof DeliveryError ? e : new DeliveryError(String((e as Error)?.message ?? e), true);
      this.lastError = err.message;
      const fields = { notifier: this.notifier.name, deliveries: batch.length, err: err.message, attempt: this.consecutiveFailures };
      if (!err.retryable) {
        await this.outbox.remove(batch);
        this.countDropped('rejected', batch, `the receiver rejected them: ${err.message}`);
        return;
      }
      this.retries++;
      const wait = Math.max(err.retryAfterMs ?? 0, backoffMs(this.consecutiveFailures, this.options.backoff, this.options.random));
      this.notBefore = clock.now() + wait;
      log.warn({ ...fields, retryInMs: wait }, 'notification failed, will retry');
      return;
    }
    await this.outbox.remove(batch);
    this.delivered += batch.length;
    this.sends++;
    this.consecutiveFailures = 0;
    this.failingSince = undefined;
    this.lastSuccessAt = clock.wallNow();
    this.notBefore = -Infinity;
  }

  private async runTick(): Promise<void> {
    const { log } = this.options;
    const interval = this.notifier.tickIntervalMs ?? 60_000;
    try {
      await this.notifier.tick?.();
      this.nextTick = this.clock.now() + interval;
    } catch (e) {
      this.failures++;
      this.lastError = String((e as Error)?.message ?? e);
      // sooner than a full interval, so a restarted receiver is refilled quickly
      this.nextTick = this.clock.now() + Math.min(interval, backoffMs(1, this.options.backoff, this.options.random) * 5);
      log.warn({ notifier: this.notifier.name, err: this.lastError }, 'periodic re-send failed');
    }
  }

  private sleep(ms: number | undefined): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        this.cancelTimer?.();
        this.cancelTimer = undefined;
        this.wakeUp = undefined;
        resolve();
      };
      this.wakeUp = done;
      if (ms !== undefined) this.cancelTimer = this.clock.after(ms, done);
    });
  }
}
