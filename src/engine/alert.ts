/**
 * What the engine hands to notifiers. Identity is the rule plus the group
 * key labels, never a value: the same OOM-looping service is one alert with
 * a running count, not one page per kill.
 */
import type { FieldValue } from '../events/event';
import type { Severity } from '../dsl';

export type { Severity };

export interface Alert {
  /** stable identity: a hash of rule name and labels */
  readonly fingerprint: string;
  readonly rule: string;
  readonly state: 'firing' | 'resolved';
  readonly severity: Severity;
  /** identity only: alertname (the rule's name), host, severity, the rule's labels and the group-by fields */
  readonly labels: Readonly<Record<string, string>>;
  /** the rule's summary template, rendered with the latest event's fields */
  readonly summary: string;
  /** the rule's description, rendered the same way */
  readonly description?: string;
  /** the rule's runbook URL */
  readonly runbookUrl?: string;
  /** where the rule is written: absolute file, line */
  readonly source?: { readonly file: string; readonly line: number };
  /** the rule in the team's web view of its repository (the config's `rule_source_url`), set on dispatch */
  readonly sourceUrl?: string;
  /** key fields of the latest event (cgroup, pid, comm, sizes...); untrusted strings */
  readonly fields: Readonly<Record<string, FieldValue>>;
  /** the fields a person acts on, in order (the event's, from the catalog); the rest are details. Unset: all are */
  readonly keyFields?: readonly string[];
  /** events folded into this alert since it started firing */
  readonly count: number;
  /** the aggregate value that crossed the threshold, for windowed rules */
  readonly value?: number;
  /** wall-clock ms */
  readonly startsAt: number;
  /** wall-clock ms, set once resolved */
  readonly endsAt?: number;
  /**
   * wall-clock ms of this notification: startsAt when it fires, later for a
   * repeat, endsAt when it resolves. With the fingerprint it names one
   * notification (its idempotency key, its email Message-ID).
   */
  readonly at: number;
  readonly host: string;
  /** the kernel reported lost records while this alert was being evaluated */
  readonly degraded?: { readonly lostRecords: number };
  /** sent by `rules test --send`: not a real page */
  readonly test?: boolean;
}

/** One delivery request: an alert and the notifier arguments from the rule's `then`. */
export interface Notification {
  readonly alert: Alert;
  /** e.g. ["#oncall"] for slack("#oncall"); empty when the rule gave none */
  readonly args: readonly string[];
}
