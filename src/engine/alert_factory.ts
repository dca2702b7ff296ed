/** Builds Alert values: identity labels, fingerprint, rendered summary. */
import { createHash } from 'node:crypto';
import type { FieldValue } from '../events/event';
import { renderTemplate, type CheckedRule } from '../dsl';
import { eventByName } from '../events/catalog';
import type { Alert } from './alert';

export interface AlertInput {
  readonly rule: CheckedRule;
  readonly host: string;
  /** group-by or match fields, already strings */
  readonly group: Readonly<Record<string, string>>;
  readonly state: 'firing' | 'resolved';
  readonly fields: Readonly<Record<string, FieldValue>>;
  readonly count: number;
  readonly value?: number;
  readonly startsAt: number;
  readonly endsAt?: number;
  /** when this notification happens; see Alert.at */
  readonly at: number;
  readonly lostRecords: number;
  /** said before the rendered summary (the overflow alert's explanation) */
  readonly note?: string;
}

export function identityLabels(rule: CheckedRule, host: string, group: Readonly<Record<string, string>>): Record<string, string> {
  return { ...rule.labels, ...group, alertname: rule.name, host, severity: rule.severity };
}

export function fingerprint(labels: Readonly<Record<string, string>>): string {
  const canonical = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k] ?? ''}`)
    .join('\u0001');
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

export function makeAlert(a: AlertInput): Alert {
  const labels = identityLabels(a.rule, a.host, a.group);
  const extra = a.value === undefined ? { count: a.count } : { count: a.count, value: round(a.value) };
  const values = a.note === undefined ? { ...a.fields, ...a.group } : a.fields;
  return {
    fingerprint: fingerprint(labels),
    rule: a.rule.name,
    state: a.state,
    severity: a.rule.severity,
    labels,
    // the overflow alert's group labels are placeholders: its summary reads the event's own fields
    summary: (a.note ?? '') + renderTemplate(a.rule.summary, values, extra),
    ...(a.rule.description ? { description: renderTemplate(a.rule.description, values, extra) } : {}),
    ...(a.rule.runbook ? { runbookUrl: a.rule.runbook } : {}),
    source: { file: a.rule.file, line: a.rule.range.start.line },
    fields: a.fields,
    ...keyFieldsOf(a.rule),
    count: a.count,
    ...(a.value === undefined ? {} : { value: round(a.value) }),
    startsAt: a.startsAt,
    ...(a.endsAt === undefined ? {} : { endsAt: a.endsAt }),
    at: a.at,
    host: a.host,
    ...(a.lostRecords > 0 ? { degraded: { lostRecords: a.lostRecords } } : {}),
  };
}

/** The catalog's key fields of the event whose fields the alert carries (none for a window: its fields are its labels). */
function keyFieldsOf(rule: CheckedRule): { keyFields?: readonly string[] } {
  const event =
    rule.kind === 'event' ? rule.selection.event : rule.kind === 'sequence' ? rule.second.event : rule.kind === 'absence' ? rule.first.event : undefined;
  const spec = event === undefined ? undefined : eventByName(event);
  return spec ? { keyFields: spec.keyFields } : {};
}

/** Rates are fractional; three decimals read well and stay deterministic. */
function round(v: number): number {
  return Math.round(v * 1000) / 1000;
}

/** Group values as label strings: ids in decimal, absent as "?". */
export function groupLabels(names: readonly string[], fields: Readonly<Record<string, FieldValue>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) {
    const v = fields[n];
    out[n] = v === undefined ? '?' : String(v);
  }
  return out;
}
