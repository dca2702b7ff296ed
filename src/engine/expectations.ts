/**
 * Replay tests in the spirit of `promtool test rules`: a YAML list of the
 * alert notices a recorded stream must raise, in order; an empty list means
 * nothing may fire. Only the keys an expectation gives are compared, so a
 * test pins what matters and survives the rest.
 *
 *   alerts:
 *     - rule: prod-oom
 *       change: firing            # firing | repeat | resolved
 *       labels: { host: web-3 }   # a subset of the alert's labels
 *       summary: "java (4242) OOM-killed in /prod/api"
 *       count: 1
 */
import { parse as parseYaml } from 'yaml';
import type { AlertNotice } from './rule_state';

export interface Expected {
  readonly rule: string;
  readonly change: 'firing' | 'repeat' | 'resolved';
  readonly labels?: Readonly<Record<string, string>>;
  readonly summary?: string;
  readonly count?: number;
  readonly value?: number;
}

export class ExpectationError extends Error {}

const CHANGES = new Set(['firing', 'repeat', 'resolved']);

export function parseExpectations(text: string, file: string): Expected[] {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e) {
    throw new ExpectationError(`${file}: ${(e as Error).message.split('\n')[0] ?? ''}`);
  }
  const alerts = (doc as { alerts?: unknown } | null)?.alerts;
  if (!Array.isArray(alerts)) throw new ExpectationError(`${file}: alerts: must be a list (use "alerts: []" for "nothing fires")`);
  return alerts.map((a: unknown, i) => {
    const at = `${file}: alerts[${i}]`;
    if (typeof a !== 'object' || a === null) throw new ExpectationError(`${at}: must be a mapping`);
    const o = a as Record<string, unknown>;
    for (const key of Object.keys(o)) {
      if (!['rule', 'change', 'labels', 'summary', 'count', 'value'].includes(key)) throw new ExpectationError(`${at}.${key}: unknown key`);
    }
    if (typeof o.rule !== 'string') throw new ExpectationError(`${at}.rule: must be a rule name`);
    const change = o.change ?? 'firing';
    if (typeof change !== 'string' || !CHANGES.has(change)) throw new ExpectationError(`${at}.change: must be firing, repeat or resolved`);
    if (o.labels !== undefined && (typeof o.labels !== 'object' || o.labels === null || Object.values(o.labels).some((v) => typeof v !== 'string'))) {
      throw new ExpectationError(`${at}.labels: must map label names to strings`);
    }
    if (o.summary !== undefined && typeof o.summary !== 'string') throw new ExpectationError(`${at}.summary: must be a string`);
    if (o.count !== undefined && typeof o.count !== 'number') throw new ExpectationError(`${at}.count: must be a number`);
    if (o.value !== undefined && typeof o.value !== 'number') throw new ExpectationError(`${at}.value: must be a number`);
    return { ...o, change } as unknown as Expected;
  });
}

function matches(e: Expected, n: AlertNotice): boolean {
  const a = n.alert;
  if (e.rule !== a.rule || e.change !== n.change) return false;
  if (e.labels && Object.entries(e.labels).some(([k, v]) => a.labels[k] !== v)) return false;
  if (e.summary !== undefined && e.summary !== a.summary) return false;
  if (e.count !== undefined && e.count !== a.count) return false;
  if (e.value !== undefined && e.value !== a.value) return false;
  return true;
}

export function describeExpected(e: Expected): string {
  const labels = e.labels
    ? ` {${Object.entries(e.labels)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}}`
    : '';
  const extra = [e.count !== undefined ? `count=${e.count}` : '', e.value !== undefined ? `value=${e.value}` : ''].filter(Boolean).join(' ');
  return `${e.change} ${e.rule}${labels}${e.summary !== undefined ? ` ${JSON.stringify(e.summary)}` : ''}${extra ? ` ${extra}` : ''}`;
}

/** `show` names labels to print even when kernwatch sets them (those an expectation pins). */
export function describeNotice(n: AlertNotice, show: readonly string[] = []): string {
  const a = n.alert;
  const group = Object.entries(a.labels)
    .filter(([k]) => show.includes(k) || !['alertname', 'rule', 'host', 'severity'].includes(k))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  const value = a.value !== undefined ? ` value=${a.value}` : '';
  return `${n.change} ${a.rule}${group ? ` {${group}}` : ''} ${JSON.stringify(a.summary)} count=${a.count}${value}`;
}

/** Empty when the notices are what was expected; otherwise a readable diff. */
export function compareExpectations(expected: readonly Expected[], got: readonly AlertNotice[]): string[] {
  const ok = expected.length === got.length && expected.every((e, i) => matches(e, got[i] as AlertNotice));
  if (ok) return [];
  const lines: string[] = [];
  const n = Math.max(expected.length, got.length);
  for (let i = 0; i < n; i++) {
    const e = expected[i];
    const g = got[i];
    if (e && g && matches(e, g)) {
      lines.push(`  ${describeNotice(g)}`);
      continue;
    }
    if (e) lines.push(`- ${describeExpected(e)}`);
    if (g) lines.push(`+ ${describeNotice(g, Object.keys(e?.labels ?? {}))}`);
  }
  return lines;
}
