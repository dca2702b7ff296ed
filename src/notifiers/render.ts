/**
 * What every medium says about an alert, before medium-specific escaping:
 * the title line, the key fields in a stable order with units, the times.
 * Values here are still raw (untrusted); each notifier escapes them.
 */
import type { Alert } from '../engine/alert';
import type { FieldValue } from '../events/event';
import { COMMON_FIELDS, EVENTS } from '../events/catalog';
import type { Unit } from '../events/types';
import { formatInUnit } from '../events/format_value';

/** Fields shown first, in this order; the rest follow alphabetically. */
const LEADING = ['cgroup', 'comm', 'pid', 'tgid', 'uid'];
/** Noise in a human message; still in webhook, JSON and Alertmanager payloads. */
const HIDDEN_FROM_HUMANS = new Set(['cpu', 'cgroup_id']);

const UNITS: ReadonlyMap<string, Unit> = new Map(
  [...COMMON_FIELDS, ...EVENTS.flatMap((e) => e.fields)].flatMap((f) => (f.unit ? [[f.name, f.unit] as const] : [])),
);

export interface FieldLine {
  readonly name: string;
  /** raw value as text, with its unit where the catalog gives one */
  readonly text: string;
}

export function stateWord(a: Alert): string {
  return a.state === 'firing' ? 'FIRING' : 'RESOLVED';
}

/** `[FIRING:critical] prod-oom on web-3`, `[TEST] ` in front of a test alert. */
export function title(a: Alert): string {
  return `${a.test ? '[TEST] ' : ''}[${stateWord(a)}:${a.severity}] ${a.rule} on ${a.host}`;
}

export function formatValue(name: string, v: FieldValue): string {
  return formatInUnit(v, UNITS.get(name));
}

export interface FieldParts {
  /** what a person acts on: the alert's `by` fields, then the event's key fields, in order */
  readonly key: readonly FieldLine[];
  /** everything else, alphabetically: for a details part below the key fields */
  readonly details: readonly FieldLine[];
}

/** The alert's fields for people, with units: key fields first, the rest as details. */
export function fieldParts(a: Alert): FieldParts {
  const names = Object.keys(a.fields).filter((k) => !HIDDEN_FROM_HUMANS.has(k));
  const line = (name: string): FieldLine => ({ name, text: formatValue(name, a.fields[name] as FieldValue) });
  if (!a.keyFields) {
    const lead = LEADING.filter((k) => names.includes(k));
    return { key: [...lead, ...names.filter((k) => !LEADING.includes(k)).sort()].map(line), details: [] };
  }
  const grouped = Object.keys(a.labels).filter((k) => names.includes(k));
  const key = [...new Set([...grouped, ...a.keyFields.filter((k) => names.includes(k))])];
  return {
    key: key.map(line),
    details: names
      .filter((k) => !key.includes(k))
      .sort()
      .map(line),
  };
}

/** Every field for people, key fields first. */
export function fieldLines(a: Alert): FieldLine[] {
  const { key, details } = fieldParts(a);
  return [...key, ...details];
}

export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** `started 2026-11-25T15:00:00.000Z · 3 events` (or the value of a window rule), resolution, lost records. */
export function contextParts(a: Alert): string[] {
  const parts = [`started ${iso(a.startsAt)}`];
  if (a.endsAt !== undefined) parts.push(`resolved ${iso(a.endsAt)}`);
  // a window rule's events are counted in the kernel: its value is what it has to say
  if (a.value !== undefined) parts.push(`value ${a.value}`);
  else parts.push(`${a.count} event${a.count === 1 ? '' : 's'}`);
  if (a.degraded) parts.push(`⚠ ${a.degraded.lostRecords} kernel records lost while evaluating`);
  return parts;
}

/** JSON-safe copy of an alert: bigint field values become decimal strings. */
export function storableAlert(a: Alert): Alert {
  const fields: Record<string, FieldValue> = {};
  for (const [k, v] of Object.entries(a.fields)) fields[k] = typeof v === 'bigint' ? v.toString() : v;
  return { ...a, fields };
}
