/** JSON lines (or one readable line) per notification on stdout, for logs and pipes. */
import type { Writable } from 'node:stream';
import type { StdoutConfig } from '../config/config';
import type { Delivery, Notifier } from './notifier';
import { contextParts, fieldLines, iso, title } from './render';
import { escapedExact, fit, visible } from './escape';

/** Longest string value written; a 10,000-character path is cut with a marker. */
const MAX_VALUE = 4096;

/**
 * The JSON of one notification (stdout, webhook). Text is shown, never
 * obeyed: control and bidi characters appear as `\xNN` / `\uNNNN`. Field
 * values are escaped reversibly (a backslash doubled as well), so a receiver
 * can recover the kernel's exact string.
 */
export function deliveryJson(d: Delivery, maxValue = MAX_VALUE): Record<string, unknown> {
  const a = d.alert;
  const text =
    (escape: (s: string) => string) =>
    (v: unknown): unknown =>
      typeof v === 'string' ? fit(v, maxValue, escape) : typeof v === 'bigint' ? v.toString() : v;
  const cap = text(visible);
  const capAll = (o: Readonly<Record<string, unknown>>, each = cap): Record<string, unknown> =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, each(v)]));
  return {
    key: d.key,
    notifier: d.notifier,
    ...(d.args.length > 0 ? { args: d.args.map(cap) } : {}),
    fingerprint: a.fingerprint,
    rule: a.rule,
    state: a.state,
    severity: a.severity,
    host: cap(a.host),
    labels: capAll(a.labels),
    summary: cap(a.summary),
    ...(a.description ? { description: cap(a.description) } : {}),
    ...(a.runbookUrl ? { runbook_url: a.runbookUrl } : {}),
    ...(a.sourceUrl ? { source_url: a.sourceUrl } : {}),
    fields: capAll(a.fields, text(escapedExact)),
    count: a.count,
    ...(a.value !== undefined ? { value: a.value } : {}),
    startsAt: iso(a.startsAt),
    ...(a.endsAt !== undefined ? { endsAt: iso(a.endsAt) } : {}),
    ...(a.degraded ? { degraded: a.degraded } : {}),
    ...(a.test ? { test: true } : {}),
  };
}

export function deliveryText(d: Delivery): string {
  const a = d.alert;
  const fields = fieldLines(a)
    .map((f) => `${f.name}=${fit(f.text, 256, visible)}`)
    .join(' ');
  return `${visible(title(a))}: ${fit(a.summary, 1024, visible)} | ${fields} | ${contextParts(a).join(' · ')}`;
}

export class StdoutNotifier implements Notifier {
  readonly type = 'stdout';
  readonly name: string;
  readonly maxBatch = 100;
  readonly minIntervalMs = 0;

  constructor(
    private readonly config: StdoutConfig,
    private readonly out: Writable = process.stdout,
  ) {
    this.name = config.name;
  }

  batchKey(): string {
    return '';
  }

  render(d: Delivery): string {
    return this.config.format === 'json' ? JSON.stringify(deliveryJson(d)) : deliveryText(d);
  }

  send(batch: readonly Delivery[]): Promise<void> {
    const text = batch.map((d) => this.render(d)).join('\n');
    return new Promise((resolve, reject) => this.out.write(`${text}\n`, (e) => (e ? reject(e) : resolve())));
  }

  async close(): Promise<void> {}
}
