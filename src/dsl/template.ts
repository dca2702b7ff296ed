/**
 * Summary templates: "{comm} ({pid}) OOM-killed in {cgroup}". Parsed once at
 * check time so the engine renders without re-parsing and a misspelt field
 * is a check error, not a literal "{pidd}" in a page at 3 a.m. Values
 * render in their field's unit (`{anon_rss}` -> `31.9 MiB`); `{anon_rss:raw}`
 * asks for the plain number.
 */
import { formatInUnit } from '../events/format_value';
import type { Unit } from '../events/types';

export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  /** an event field or group-by field; `unit` unset renders the plain value */
  | { readonly kind: 'field'; readonly name: string; readonly unit?: Unit }
  /** events folded into the alert so far (the running count) */
  | { readonly kind: 'count' }
  /** the aggregate value that crossed the threshold (window rules), in the aggregated field's unit */
  | { readonly kind: 'value'; readonly unit?: Unit };

export interface Template {
  readonly text: string;
  readonly parts: readonly TemplatePart[];
  /** event fields it interpolates, in order of first use */
  readonly fields: readonly string[];
}

export interface RawPlaceholder {
  readonly name: string;
  /** `{name:raw}`: the plain number, not formatted in the field's unit */
  readonly raw: boolean;
  /** offset of `{` within the template text */
  readonly offset: number;
  readonly length: number;
}

export interface RawTemplate {
  readonly parts: readonly (TemplatePart | { readonly kind: 'placeholder'; readonly placeholder: RawPlaceholder })[];
  readonly error?: { readonly offset: number; readonly message: string };
}

/** `{{` and `}}` are literal braces. */
export function scanTemplate(text: string, what = 'summary'): RawTemplate {
  const parts: RawTemplate['parts'][number][] = [];
  let buf = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '{' && text[i + 1] === '{') {
      buf += '{';
      i++;
    } else if (ch === '}' && text[i + 1] === '}') {
      buf += '}';
      i++;
    } else if (ch === '}') {
      return { parts, error: { offset: i, message: `unmatched '}' in ${what} (write '}}' for a literal brace)` } };
    } else if (ch === '{') {
      const close = text.indexOf('}', i);
      if (close < 0) return { parts, error: { offset: i, message: `unclosed '{' in ${what} (write '{{' for a literal brace)` } };
      const inner = text.slice(i + 1, close);
      const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::\s*([A-Za-z_]*)\s*)?$/.exec(inner);
      if (!m) return { parts, error: { offset: i, message: `'{${inner}}' is not a field name` } };
      if (m[2] !== undefined && m[2] !== 'raw') {
        return { parts, error: { offset: i, message: `'{${inner}}': the only format is ':raw' (the plain number)` } };
      }
      if (buf) parts.push({ kind: 'text', text: buf });
      buf = '';
      parts.push({ kind: 'placeholder', placeholder: { name: m[1]!, raw: m[2] === 'raw', offset: i, length: close - i + 1 } });
      i = close;
    } else {
      buf += ch;
    }
  }
  if (buf) parts.push({ kind: 'text', text: buf });
  return { parts };
}

/**
 * Fills a template. Absent fields render as "?" (a field the kernel could not
 * fill is absent, and a page must still read as a sentence).
 */
export function renderTemplate(
  t: Template,
  fields: Readonly<Record<string, unknown>>,
  extra: { readonly count?: number; readonly value?: number } = {},
): string {
  let out = '';
  for (const p of t.parts) {
    if (p.kind === 'text') out += p.text;
    else if (p.kind === 'count') out += extra.count === undefined ? '?' : String(extra.count);
    else if (p.kind === 'value') out += extra.value === undefined ? '?' : formatInUnit(extra.value, p.unit);
    else {
      const v = fields[p.name];
      out += v === undefined || v === null ? '?' : formatInUnit(v, p.unit);
    }
  }
  return out;
}
