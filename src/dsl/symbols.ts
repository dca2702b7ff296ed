/**
 * Every name a rule file uses, with what it is and where: the index an
 * editor needs for hover, go to definition and find references. Taken from
 * the syntax tree as written (lets unexpanded), so it works on a file with
 * errors elsewhere. Whether a bare name is a field or a let is left to the
 * caller, which knows the lets of the whole rule set.
 */
import { eventByName } from '../events/catalog';
import type * as A from './ast';
import type { SourceRange } from './source_range';

export type SymbolRole =
  /** an event name: `oom.victim` */
  | 'event'
  /** count, rate, sum, max, distinct */
  | 'aggregate'
  /** a field in a comparison, `by`, or an aggregated `event.field` */
  | 'field'
  /** a bare name in a condition: a bool field or a let */
  | 'ref'
  /** a name in list position (`in prod_jobs`, `matches build_globs`): a let */
  | 'list'
  /** the name a `let` defines */
  | 'let'
  /** a `then` action's notifier */
  | 'notifier';

export interface SymbolOccurrence {
  readonly name: string;
  readonly role: SymbolRole;
  readonly range: SourceRange;
  /** the event whose fields a field or ref names, when the rule says which */
  readonly event?: string;
}

/** Every occurrence in `ast`, in source order. */
export function symbolsOf(ast: A.RuleFile): SymbolOccurrence[] {
  const out: SymbolOccurrence[] = [];
  for (const item of ast.items) {
    if (item.kind === 'let') {
      out.push({ name: item.name.text, role: 'let', range: item.name.range });
      if (item.value.kind === 'list') continue;
      visitExpr(item.value, undefined, out);
    } else visitRule(item, out);
  }
  return out.sort((a, b) => a.range.start.offset - b.range.start.offset);
}

/** The occurrence whose range holds `offset` (its end included, where a cursor after a name is). */
export function symbolAt(symbols: readonly SymbolOccurrence[], offset: number): SymbolOccurrence | undefined {
  return symbols.find((s) => s.range.start.offset <= offset && offset <= s.range.end.offset);
}

function visitRule(rule: A.RuleDecl, out: SymbolOccurrence[]): void {
  let event: string | undefined;
  for (const clause of rule.clauses) {
    if (clause.kind === 'when') event = visitTrigger(clause.trigger, out);
  }
  for (const clause of rule.clauses) {
    if (clause.kind === 'except') for (const c of clause.conditions) visitExpr(c, event, out);
    if (clause.kind === 'then') for (const a of clause.actions) out.push({ name: a.notifier.text, role: 'notifier', range: a.notifier.range });
  }
}

/** The trigger's names; returns the event its `by` and `except` fields belong to. */
function visitTrigger(t: A.Trigger, out: SymbolOccurrence[]): string | undefined {
  let event: string | undefined;
  if (t.kind === 'sequence') {
    event = visitSelector(t.first, out);
    visitSelector(t.second, out);
  } else if (t.kind === 'window') {
    out.push({ name: t.fn.text, role: 'aggregate', range: t.fn.range });
    event = visitAggregated(t.selector, out);
  } else event = visitSelector(t.selector, out);
  for (const b of t.by) out.push({ name: b.text, role: 'field', range: b.range, ...(event ? { event } : {}) });
  return event;
}

function visitSelector(s: A.Selector, out: SymbolOccurrence[]): string {
  out.push({ name: s.event.text, role: 'event', range: s.event.range });
  if (s.filter) visitExpr(s.filter, s.event.text, out);
  return s.event.text;
}

/** `sum(migrate.pages.failed)`: the event, then its field, as two names. */
function visitAggregated(s: A.Selector, out: SymbolOccurrence[]): string {
  const text = s.event.text;
  const cut = text.lastIndexOf('.');
  if (eventByName(text) || cut <= 0) return visitSelector(s, out);
  const event = text.slice(0, cut);
  const { start, end } = s.event.range;
  const at = (offset: number): A.Name['range']['start'] => ({ line: start.line, column: start.column + offset, offset: start.offset + offset });
  out.push({ name: event, role: 'event', range: { start, end: at(cut) } });
  out.push({ name: text.slice(cut + 1), role: 'field', range: { start: at(cut + 1), end }, event });
  if (s.filter) visitExpr(s.filter, event, out);
  return event;
}

function visitExpr(e: A.Expr, event: string | undefined, out: SymbolOccurrence[]): void {
  const scoped = event ? { event } : {};
  switch (e.kind) {
    case 'and':
    case 'or':
      for (const i of e.items) visitExpr(i, event, out);
      return;
    case 'not':
      visitExpr(e.item, event, out);
      return;
    case 'ref':
      out.push({ name: e.name.text, role: 'ref', range: e.name.range, ...scoped });
      return;
    case 'compare':
      out.push({ name: e.field.text, role: 'field', range: e.field.range, ...scoped });
      return;
    case 'in':
    case 'matches': {
      out.push({ name: e.field.text, role: 'field', range: e.field.range, ...scoped });
      const values = e.kind === 'in' ? e.values : e.patterns;
      if (values.kind === 'name') out.push({ name: values.text, role: 'list', range: values.range });
      return;
    }
  }
}
