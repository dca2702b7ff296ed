/**
 * The one interface every notifier implements, and the unit of delivery
 * that sits in its outbox.
 */
import type { Alert } from '../engine/alert';
import type { NotifierType } from '../config/config';

/** One notification waiting in (or taken from) a notifier's outbox. */
export interface Delivery {
  /** outbox entry id; sorts in arrival order */
  readonly id: string;
  /** idempotency key: the same alert transition to the same target always has the same key */
  readonly key: string;
  readonly notifier: string;
  /** the rule's per-type overrides, e.g. ["#oncall"] */
  readonly args: readonly string[];
  /** bigint field values are stored as decimal strings */
  readonly alert: Alert;
  /** wall-clock ms: on disk, it must outlive a reboot; the outbox measures age on the monotonic clock (outbox.ts) */
  readonly enqueuedAt: number;
}

export interface Notifier {
  readonly name: string;
  readonly type: NotifierType;
  /** most deliveries one send may carry; a burst beyond it waits for the next send */
  readonly maxBatch: number;
  /** at least this long between two sends (Slack's one message per second) */
  readonly minIntervalMs: number;
  /** notifiers with the same pace key share one pace (Slack: one webhook); default: its own */
  readonly paceKey?: string;
  /** deliveries with the same key may share one send (e.g. the same Slack channel) */
  batchKey(d: Delivery): string;
  /**
   * Renders one delivery as send() would, without sending: throws where its
   * rendering would. The queue asks once per delivery, so one that cannot be
   * rendered is set aside instead of failing every send of its batch forever.
   */
  render(d: Delivery): void;
  /** throws DeliveryError; anything else thrown is treated as retryable */
  send(batch: readonly Delivery[]): Promise<void>;
  /** a new delivery makes these pending ones pointless (Alertmanager: a newer state of the same alert) */
  supersedes?(incoming: Delivery, pending: Delivery): boolean;
  /** periodic work run between sends, e.g. re-sending active alerts to Alertmanager */
  readonly tickIntervalMs?: number;
  tick?(): Promise<void>;
  close(): Promise<void>;
}

export class DeliveryError extends Error {
  override readonly name = 'DeliveryError';

  constructor(
    message: string,
    /** false: retrying cannot help (HTTP 400, SMTP 550); the delivery is dropped and counted */
    readonly retryable: boolean,
    /** the receiver said when to come back (HTTP Retry-After) */
    readonly retryAfterMs?: number,
  ) {
    super(message);
  }
}

/** Minimal structured logger; pino's methods fit it. */
export interface Logger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** JSON lines on stderr, for when the caller brings no logger. */
export const stderrLogger: Logger = {
  info: (f, m) => process.stderr.write(`${JSON.stringify({ level: 'info', msg: m, ...f })}\n`),
  warn: (f, m) => process.stderr.write(`${JSON.stringify({ level: 'warn', msg: m, ...f })}\n`),
  error: (f, m) => process.stderr.write(`${JSON.stringify({ level: 'error', msg: m, ...f })}\n`),
};
