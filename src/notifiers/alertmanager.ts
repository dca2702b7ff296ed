/**
 * Alertmanager's v2 API, to every member of the cluster, as Prometheus
 * does it. Labels carry identity only; values go in annotations. Firing
 * alerts carry an endsAt a few re-send intervals ahead and are re-sent on
 * that cadence, so an Alertmanager restart is refilled within one interval
 * and an agent that dies leaves its alerts to time out rather than fire forever.
 */
import { createHash } from 'node:crypto';
import type { AlertmanagerConfig } from '../config/config';
import type { Alert } from '../engine/alert';
import { DeliveryError, type Delivery, type Notifier } from './notifier';
import { fieldLines, iso } from './render';
import { fit, visible } from './escape';
import { post } from './http';

const LABEL_VALUE_MAX = 256;
const ANNOTATION_MAX = 2048;
/** an un-refreshed firing alert ends after this many re-send intervals */
const ENDS_AFTER_INTERVALS = 4;

export interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  generatorURL?: string;
}

/** Every alert carries these, as Prometheus's alerts carry the target's; see docs/notifiers.md. */
export const AM_JOB = 'kernwatch';

function labelName(k: string): string {
  const n = k.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z_]/.test(n) ? n : `_${n}`;
}

/**
 * Identity must survive capping: a cut label value keeps a hash of the whole.
 * Control and bidi characters are shown, never passed on to whatever renders
 * the label (a mail template, a chat message).
 */
function labelValue(raw: string): string {
  const v = visible(raw);
  if (v.length <= LABEL_VALUE_MAX) return v;
  const hash = createHash('sha256').update(raw).digest('hex').slice(0, 12);
  return `${v.slice(0, LABEL_VALUE_MAX - 14)}~${hash}`;
}

export function amAlert(a: Alert, now: number, resendIntervalMs: number): AmAlert {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(a.labels)) labels[labelName(k)] = labelValue(v);
  labels.alertname ??= labelValue(a.rule);
  labels.host ??= labelValue(a.host);
  labels.instance = labelValue(a.host);
  labels.job = AM_JOB;
  labels.severity ??= a.severity;
  if (a.test) labels.kernwatch_test = 'true';
  const annotations: Record<string, string> = {
    summary: fit(a.summary, ANNOTATION_MAX, visible),
    ...(a.description ? { description: fit(a.description, ANNOTATION_MAX, visible) } : {}),
    ...(a.runbookUrl ? { runbook_url: a.runbookUrl } : {}),
    // one line per field: a newline in a value must not forge another line
    details: fit(
      fieldLines(a)
        .map((f) => `${f.name}: ${fit(f.text, 512, visible)}`)
        .join('\n'),
      ANNOTATION_MAX * 4,
    ),
    fingerprint: a.fingerprint,
  };
  // a window's events are counted in the kernel: its value says it, a count would say 0
  if (a.value !== undefined) annotations.value = String(a.value);
  else annotations.count = String(a.count);
  if (a.degraded) annotations.lost_records = String(a.degraded.lostRecords);
  for (const [k, v] of Object.entries(a.fields)) {
    const name = `field_${labelName(k)}`;
    annotations[name] = fit(String(v), ANNOTATION_MAX, visible);
  }
  const endsAt = a.state === 'resolved' ? (a.endsAt ?? now) : now + ENDS_AFTER_INTERVALS * resendIntervalMs;
  return { labels, annotations, startsAt: iso(a.startsAt), endsAt: iso(endsAt), ...(a.sourceUrl ? { generatorURL: a.sourceUrl } : {}) };
}

export class AlertmanagerNotifier implements Notifier {
  readonly type = 'alertmanager';
  readonly name: string;
  readonly maxBatch = 500;
  readonly minIntervalMs = 0;
  readonly tickIntervalMs: number;
  /** firing alerts this Alertmanager has accepted, by fingerprint: re-sent every interval */
  private readonly active = new Map<string, Alert>();

  constructor(
    private readonly config: AlertmanagerConfig,
    /** endsAt is wall time: Alertmanager compares it with its own clock */
    private readonly wallNow: () => number = Date.now,
  ) {
    this.name = config.name;
    this.tickIntervalMs = config.resendIntervalMs;
  }

  batchKey(): string {
    return '';
  }

  /** Only the newest state of an alert matters to Alertmanager. */
  supersedes(incoming: Delivery, pending: Delivery): boolean {
    return incoming.alert.fingerprint === pending.alert.fingerprint;
  }

  render(d: Delivery): void {
    amAlert(d.alert, this.wallNow(), this.config.resendIntervalMs);
  }

  async send(batch: readonly Delivery[]): Promise<void> {
    await this.post(batch.map((d) => d.alert));
    for (const d of batch) {
      if (d.alert.state === 'firing') this.active.set(d.alert.fingerprint, d.alert);
      else this.active.delete(d.alert.fingerprint);
    }
  }

  async tick(): Promise<void> {
    if (this.active.size > 0) await this.post([...this.active.values()]);
  }

  /**
   * Succeeds when at least one member accepted: the others are refilled by
   * the next re-send. Rejected by all with a 4xx: not retryable.
   */
  private async post(alerts: readonly Alert[]): Promise<void> {
    const now = this.wallNow();
    const body = JSON.stringify(alerts.map((a) => amAlert(a, now, this.config.resendIntervalMs)));
    const results = await Promise.allSettled(
      this.config.urls.map((base) =>
        post(
          new URL('api/v2/alerts', base.endsWith('/') ? base : `${base}/`).toString(),
          body,
          { 'Content-Type': 'application/json', 'User-Agent': 'kernwatch' },
          this.config.timeoutMs,
          this.wallNow,
        ),
      ),
    );
    if (results.some((r) => r.status === 'fulfilled')) return;
    const errors = results.map((r) => (r.status === 'rejected' ? (r.reason as Error) : undefined)).filter((e): e is Error => e !== undefined);
    const retryable = errors.some((e) => !(e instanceof DeliveryError) || e.retryable);
    const retryAfter = Math.max(0, ...errors.map((e) => (e instanceof DeliveryError ? (e.retryAfterMs ?? 0) : 0)));
    throw new DeliveryError(errors.map((e) => e.message).join('; '), retryable, retryAfter || undefined);
  }

  async close(): Promise<void> {}
}
