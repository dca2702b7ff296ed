/**
 * Kernwatch's own alerts, built from counters sampled every few seconds:
 * the kernel losing more than a set share of its records over a window,
 * a notifier that has failed without a success for a set time, and new
 * rules that could not be loaded (the old ones still running). Each is
 * one alert with a running figure, re-sent at most once per repeat interval
 * and resolved once the condition is gone: never one alert per drop.
 * Time is passed in, monotonic, for every window and repeat; the wall clock,
 * injected, is read only when a notice is made (its startsAt, endsAt, at).
 */
import type { SelfAlertSettings } from '../config/config';
import type { Alert, Severity } from '../engine/alert';
import { fingerprint } from '../engine/alert_factory';
import type { Change } from '../engine/rule_state';
import type { EventCounters } from '../live/stats';
import type { Shedding } from '../live/overload';
import type { NotifierStats } from '../notifiers/delivery_queue';

export const RECORDS_LOST = 'KernwatchRecordsLost';
export const NOTIFIER_FAILING = 'KernwatchNotifierFailing';
export const RULES_NOT_LOADED = 'KernwatchRulesNotLoaded';
export const OVERLOADED = 'KernwatchOverloaded';
/** the `rule` of every self-alert: no rule file defines it */
export const SELF_RULE = 'kernwatch';

export interface SelfSample {
  /** monotonic ms (src/notifiers/clock.ts), as every `t` here */
  readonly t: number;
  /** the kernel's cumulative per-event counters */
  readonly counters: ReadonlyMap<string, EventCounters>;
  readonly notifiers: readonly NotifierStats[];
}

export interface SelfNotice {
  readonly change: Change;
  readonly alert: Alert;
  /** where it goes: the configured notifiers, less a failing one reporting on itself */
  readonly notifiers: readonly string[];
}

interface Firing {
  /** wall-clock ms, for the notice */
  readonly startsAt: number;
  /** monotonic ms, for the repeat interval */
  lastSentAt: number;
  /** the alert's count when last over its threshold, for the resolution */
  lastCount: number;
}

interface LossPoint {
  readonly t: number;
  readonly lost: ReadonlyMap<string, number>;
  readonly attempted: number;
  readonly lostTotal: number;
}

function zeroPoint(t: number): LossPoint {
  return { t, lost: new Map(), attempted: 0, lostTotal: 0 };
}

export class SelfMonitor {
  private history: LossPoint[] = [];
  private lossFiring: Firing | undefined;
  private readonly failing = new Map<string, Firing>();
  private refusedFiring: Firing | undefined;
  private overloadFiring: Firing | undefined;
  /** the last shedding seen, for the resolution's text */
  private lastShedding: Shedding | undefined;
  /** wall-clock ms when the shedding under way began, for display: a Shedding's own `since` is engine time */
  private sheddingSince = 0;

  constructor(
    private readonly settings: SelfAlertSettings,
    private readonly host: string,
    private readonly emit: (notice: SelfNotice) => void,
    private readonly wallNow: () => number = () => Date.now(),
  ) {}

  /**
   * The kernel session attached at `t` with its counters at zero: losses
   * count from here, not from the first sample a few seconds later.
   */
  attached(t: number): void {
    this.history = [zeroPoint(t)];
  }

  observe(sample: SelfSample): void {
    this.observeLoss(sample);
    this.observeNotifiers(sample);
  }

  /** Self-alerts firing now, for /metrics. */
  firing(): { alertname: string; notifier?: string }[] {
    return [
      ...(this.lossFiring ? [{ alertname: RECORDS_LOST }] : []),
      ...(this.refusedFiring ? [{ alertname: RULES_NOT_LOADED }] : []),
      ...(this.overloadFiring ? [{ alertname: OVERLOADED }] : []),
      ...[...this.failing.keys()].map((notifier) => ({ alertname: NOTIFIER_FAILING, notifier })),
    ];
  }

  /**
   * The outcome of a reload at `t`: refused (with why and the first located
   * problem) fires or repeats the alert; loaded resolves it. The rules that
   * run are then older than the files on disk, which someone must know.
   */
  reloadOutcome(t: number, refused?: { readonly why: string; readonly problems: readonly string[] }): void {
    const first = refused?.problems[0]?.split('\n')[0] ?? '';
    const details: { summary: string; fields: Record<string, string | number>; count: number } = refused
      ? {
          summary: `new rules not loaded (${refused.why}); the rules loaded before keep running: ${first}`,
          fields: { why: refused.why, problems: refused.problems.length, first_problem: first },
          count: refused.problems.length,
        }
      : { summary: 'the rule files on disk are loaded and running again', fields: {}, count: 0 };
    this.refusedFiring = this.step(
      this.refusedFiring,
      refused !== undefined,
      t,
      this.labels(RULES_NOT_LOADED, 'warning', {}),
      'warning',
      details,
      this.settings.notify,
    );
  }

  private observeLoss(s: SelfSample): void {
    let lostTotal = 0;
    let attempted = 0;
    const lost = new Map<string, number>();
    for (const [name, c] of s.counters) {
      // a firing the kernel skipped (program already running on that CPU) is lost too
      const missing = c.lost + c.missed;
      lost.set(name, missing);
      lostTotal += missing;
      attempted += c.sent + missing;
    }
    const last = this.history.at(-1);
    // a new kernel session starts its counters at zero: measure from there (at the latest, the last sample)
    if (last && (lostTotal < last.lostTotal || attempted < last.attempted)) this.history = [zeroPoint(last.t)];
    this.history.push({ t: s.t, lost, attempted, lostTotal });
    // keep the newest point at or before the window's start as the baseline
    while (this.history.length > 1 && (this.history[1] as LossPoint).t <= s.t - this.settings.lostWindowMs) this.history.shift();
    const base = this.history[0] as LossPoint;
    const lostInWindow = lostTotal - base.lostTotal;
    const attemptedInWindow = attempted - base.attempted;
    const percent = attemptedInWindow > 0 ? (100 * lostInWindow) / attemptedInWindow : 0;
    const over = lostInWindow > 0 && percent > this.settings.lostPercent;
    const byEvent = [...lost]
      .map(([name, n]): [string, number] => [name, n - (base.lost.get(name) ?? 0)])
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1]);
    const window = formatMs(this.settings.lostWindowMs);
    const threshold = this.settings.lostPercent;
    const details = {
      summary:
        `the kernel lost ${round(percent)}% of records over the last ${window} (${lostInWindow} of ${attemptedInWindow}; threshold ${threshold}%)` +
        (byEvent.length > 0
          ? `: most lost: ${byEvent
              .slice(0, 3)
              .map(([n, k]) => `${n} ${k}`)
              .join(', ')}`
          : ''),
      fields: {
        lost_records: lostInWindow,
        attempted_records: attemptedInWindow,
        lost_percent: round(percent),
        threshold_percent: threshold,
        window,
        ...Object.fromEntries(byEvent.map(([n, k]) => [`lost.${n}`, k])),
      },
      count: lostInWindow,
      value: round(percent),
    };
    const labels = this.labels(RECORDS_LOST, 'warning', {});
    this.lossFiring = this.step(this.lossFiring, over, s.t, labels, 'warning', details, this.settings.notify);
  }

  /**
   * Shedding began (`shedding`) or ended (undefined) at `t`: one alert while
   * the engine sheds records, naming the rules that cannot be trusted
   * meanwhile (in its annotations, never its labels: the set may change
   * while it fires), resolved when shedding ends. Told at once rather than
   * sampled, as shedding may last less than a sample interval.
   */
  overloadChanged(t: number, shedding: Shedding | undefined): void {
    const shown = shedding ?? this.lastShedding;
    if (shedding && !this.lastShedding) this.sheddingSince = this.wallNow();
    this.lastShedding = shedding;
    if (!shown) return;
    const rules = shown.rules.join(', ');
    const details = {
      summary: shedding
        ? `kernwatch is overloaded: records were ${Math.round(shedding.lagMs)} ms behind the kernel, so it sheds ${shedding.events.join(', ')}; ` +
          `these rules cannot be trusted until this resolves: ${rules}`
        : `kernwatch keeps up again; it no longer sheds ${shown.events.join(', ')} (rules ${rules})`,
      fields: {
        shed_events: shown.events.join(','),
        degraded_rules: rules,
        lag_ms: Math.round(shown.lagMs),
        since: new Date(this.sheddingSince).toISOString(),
      },
      count: shown.rules.length,
    };
    this.overloadFiring = this.step(
      this.overloadFiring,
      shedding !== undefined,
      t,
      this.labels(OVERLOADED, 'warning', {}),
      'warning',
      details,
      this.settings.notify,
    );
  }

  private observeNotifiers(s: SelfSample): void {
    for (const n of s.notifiers) {
      // measured by the queue on its monotonic clock; failingSince is wall time, only shown
      const since = n.failingSince;
      const over = n.failingForMs !== undefined && n.failingForMs >= this.settings.notifierFailingForMs;
      const current = this.failing.get(n.name);
      if (!over && !current) continue;
      const failures = over ? n.consecutiveFailures : (current?.lastCount ?? 0);
      const details = {
        summary: over ? failingSummary(n, failures) : `notifier ${n.name} (${n.type}) delivers again after ${failures} failed attempts`,
        fields: {
          notifier: n.name,
          type: n.type,
          consecutive_failures: failures,
          pending: n.pending,
          ...(since !== undefined ? { failing_since: new Date(since).toISOString() } : {}),
          ...(over && n.lastError ? { last_error: n.lastError } : {}),
        },
        count: failures,
      };
      const labels = this.labels(NOTIFIER_FAILING, 'critical', { notifier: n.name });
      const next = this.step(
        current,
        over,
        s.t,
        labels,
        'critical',
        details,
        this.settings.notify.filter((x) => x !== n.name),
      );
      if (next) this.failing.set(n.name, next);
      else this.failing.delete(n.name);
    }
  }

  private labels(alertname: string, severity: Severity, extra: Record<string, string>): Record<string, string> {
    return { ...extra, alertname, host: this.host, severity };
  }

  /** One alert's transition: fire, repeat when due, or resolve. Returns the firing state after it. */
  private step(
    current: Firing | undefined,
    over: boolean,
    t: number,
    labels: Readonly<Record<string, string>>,
    severity: Severity,
    details: { summary: string; fields: Record<string, string | number>; count: number; value?: number },
    notifiers: readonly string[],
  ): Firing | undefined {
    const send = (change: Change, f: Firing, endsAt?: number): void => {
      const at = endsAt ?? this.wallNow();
      const alert: Alert = {
        fingerprint: fingerprint(labels),
        rule: SELF_RULE,
        state: change === 'resolved' ? 'resolved' : 'firing',
        severity,
        labels,
        summary: details.summary,
        fields: details.fields,
        count: details.count,
        ...(details.value === undefined ? {} : { value: details.value }),
        startsAt: f.startsAt,
        ...(endsAt === undefined ? {} : { endsAt }),
        at,
        host: this.host,
      };
      this.emit({ change, alert, notifiers });
    };
    if (over && !current) {
      const f: Firing = { startsAt: this.wallNow(), lastSentAt: t, lastCount: details.count };
      send('firing', f);
      return f;
    }
    if (over && current) {
      current.lastCount = details.count;
      if (t - current.lastSentAt >= this.settings.repeatIntervalMs) {
        current.lastSentAt = t;
        send('repeat', current);
      }
      return current;
    }
    if (current) send('resolved', current, this.wallNow());
    return undefined;
  }
}

function failingSummary(n: NotifierStats, failures: number): string {
  const since = n.failingSince !== undefined ? ` since ${new Date(n.failingSince).toISOString()}` : '';
  const error = n.lastError ? `; last error: ${n.lastError}` : '';
  return `notifier ${n.name} (${n.type}) has failed ${failures} attempts in a row${since}; ${n.pending} notifications wait in its outbox${error}`;
}

function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

function formatMs(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
