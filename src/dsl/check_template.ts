/**
 * Summary templates are checked against what the engine can fill in: any
 * field of the event for event rules; for window rules only the group-by
 * fields and {value} (with kernel-side counting there is no single event
 * to read a field from).
 */
import type { EventSpec, Unit } from '../events/types';
import { fieldNamed, fieldNames } from './field_index';
import type * as A from './ast';
import type { FieldRef } from './checked_rule';
import type { SourceRange } from './source_range';
import { didYouMean } from './suggest';
import { scanTemplate, type Template, type TemplatePart } from './template';
import { formatDuration, parseNumber } from './units';

export interface TemplateScope {
  readonly kind: 'event' | 'window' | 'absence' | 'sequence';
  /** the event whose fields a placeholder may name: the first for absence, the second for sequence */
  readonly event: EventSpec;
  readonly groupBy: readonly FieldRef[];
  /** the unit of a window rule's {value}: sum/max of a size is a size */
  readonly valueUnit?: Unit;
}

export function checkTemplate(
  lit: A.StringLiteral,
  scope: TemplateScope,
  error: (range: SourceRange, message: string) => void,
  /** the clause, for messages: `summary` or `description` */
  what = 'summary',
): Template | undefined {
  const raw = scanTemplate(lit.value, what);
  const at = (offset: number, length: number): SourceRange => {
    // exact unless the string has escapes before `offset`
    const start = { ...lit.range.start, column: lit.range.start.column + 1 + offset, offset: lit.range.start.offset + 1 + offset };
    return { start, end: { ...start, column: start.column + length, offset: start.offset + length } };
  };
  if (raw.error) {
    error(at(raw.error.offset, 1), raw.error.message);
    return undefined;
  }
  const parts: TemplatePart[] = [];
  let ok = true;
  for (const p of raw.parts) {
    if (p.kind !== 'placeholder') {
      parts.push(p);
      continue;
    }
    const { name, offset, length, raw } = p.placeholder;
    const problem = placeholderProblem(name, scope, what);
    if (problem) {
      error(at(offset, length), problem);
      ok = false;
    } else if (name === 'count') parts.push({ kind: name });
    else {
      const unit = raw ? undefined : name === 'value' ? scope.valueUnit : unitOf(name, scope);
      parts.push(name === 'value' ? { kind: 'value', ...(unit ? { unit } : {}) } : { kind: 'field', name, ...(unit ? { unit } : {}) });
    }
  }
  return ok ? { text: lit.value, parts, fields: interpolated(parts) } : undefined;
}

function placeholderProblem(name: string, scope: TemplateScope, what: string): string | undefined {
  if (name === 'count') return undefined;
  if (name === 'value') return scope.kind === 'window' ? undefined : '{value} is the aggregate of a window rule; this rule has none';
  if (scope.kind === 'window') {
    if (scope.groupBy.some((f) => f.name === name)) return undefined;
    const by = scope.groupBy.map((f) => f.name);
    const can = by.length ? `its group-by fields (${by.join(', ')}) and {value}` : '{value} and {count}';
    return fieldNamed(scope.event, name)
      ? `a window rule's ${what} can use ${can}; '${name}' is not grouped by`
      : `unknown field '${name}' in ${what}${didYouMean(name, [...by, 'value', 'count'])}`;
  }
  if (fieldNamed(scope.event, name)) return undefined;
  const names = [...fieldNames(scope.event), 'count'];
  return `unknown field '${name}' on ${scope.event.name} in ${what}${didYouMean(name, names)}`;
}

function unitOf(name: string, scope: TemplateScope): Unit | undefined {
  return (scope.groupBy.find((f) => f.name === name) ?? fieldNamed(scope.event, name))?.unit;
}

function interpolated(parts: readonly TemplatePart[]): string[] {
  return [...new Set(parts.flatMap((p) => (p.kind === 'field' ? [p.name] : [])))];
}

/** What a rule without `summary` says: the trigger in words, with its identity fields. */
export function defaultSummary(t: A.Trigger, identity: readonly FieldRef[]): Template {
  const parts: TemplatePart[] = [];
  const text = (s: string): void => void parts.push({ kind: 'text', text: s });
  if (t.kind === 'event') {
    text(`${t.selector.event.text}: `);
    parts.push(
      { kind: 'field', name: 'comm' },
      { kind: 'text', text: ' (' },
      { kind: 'field', name: 'pid' },
      { kind: 'text', text: ') in ' },
      { kind: 'field', name: 'cgroup' },
    );
  } else if (t.kind === 'window') {
    const within = t.within ? parseNumber(t.within.text) : undefined;
    const span = within && typeof within !== 'string' ? ` in ${formatDuration(within.value)}` : '';
    text(`${t.fn.text}(${t.selector.event.text}) = `);
    parts.push({ kind: 'value' });
    text(span);
  } else {
    text(`${t.first.event.text} ${t.negated ? 'not followed' : 'followed'} by ${t.second.event.text}`);
  }
  identity.forEach((f, i) => {
    text(i === 0 ? ' for ' : ', ');
    text(`${f.name} `);
    parts.push({ kind: 'field', name: f.name });
  });
  const merged = parts.reduce<TemplatePart[]>((acc, p) => {
    const last = acc[acc.length - 1];
    if (p.kind === 'text' && last?.kind === 'text') acc[acc.length - 1] = { kind: 'text', text: last.text + p.text };
    else acc.push(p);
    return acc;
  }, []);
  return { text: merged.map(templateText).join(''), parts: merged, fields: interpolated(merged) };
}

function templateText(p: TemplatePart): string {
  if (p.kind === 'text') return p.text.replace(/[{}]/g, (b) => b + b);
  return p.kind === 'field' ? `{${p.name}}` : `{${p.kind}}`;
}
