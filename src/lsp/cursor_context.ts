/**
 * What the text before the cursor is in the middle of, read token by token
 * from the start of the file: the clause, the event in scope, and whether a
 * name or a value comes next. It reads text as typed, so it works while the
 * rule does not parse yet (which is most of the time, in an editor).
 */
import { AGGREGATES } from '../dsl';

export type Expecting =
  /** nothing sensible to offer: inside a string or a comment */
  | 'nothing'
  /** `rule`, `let`, `when` */
  | 'item'
  /** an event name (or, right after `when`, an aggregation) */
  | 'event'
  /** a field, a let or an operator word */
  | 'condition'
  /** a value of the field just compared: `reason == |` */
  | 'value'
  /** a notifier after `then` */
  | 'notifier'
  | 'severity'
  /** a clause keyword inside a rule block */
  | 'clause';

export interface CursorContext {
  readonly expecting: Expecting;
  /** the event whose fields are in scope, as written (`sum(migrate.pages.failed` gives the event and a field) */
  readonly event?: string;
  /** for 'value': the field compared */
  readonly field?: string;
  /** the partial name before the cursor (dots included) and where it starts */
  readonly word: string;
  readonly wordStart: number;
  /** right after `when`: an aggregation may come instead of an event */
  readonly afterWhen: boolean;
}

const TOKEN = /#[^\n]*|"(?:[^"\\\n]|\\.)*"?|[A-Za-z_][A-Za-z0-9_.]*|==|!=|<=|>=|\S/g;
/** a string token that ends with its own closing quote: `"a\\"` does, `"a\"` (an escaped quote) does not */
const CLOSED_STRING = /^"(?:[^"\\\n]|\\.)*"$/;
const CLAUSES = new Set(['when', 'then', 'except', 'by', 'severity', 'summary', 'description', 'runbook', 'labels', 'cooldown', 'for', 'keep', 'within']);
const AGGREGATE_WORDS: ReadonlySet<string> = new Set(AGGREGATES);

export function cursorContext(text: string, offset: number): CursorContext {
  const before = text.slice(0, offset);
  const word = /[A-Za-z0-9_.]*$/.exec(before)?.[0] ?? '';
  const wordStart = offset - word.length;
  let depth = 0;
  let clause = 'top';
  let event: string | undefined;
  let expectEvent = false;
  let afterWhen = false;
  let previous: string[] = [];
  let inside: 'string' | 'comment' | undefined;
  for (const m of before.slice(0, wordStart).matchAll(TOKEN)) {
    const t = m[0];
    const end = (m.index ?? 0) + t.length;
    inside = undefined;
    if (t.startsWith('#')) {
      if (end >= wordStart && !before.slice(m.index ?? 0, wordStart).includes('\n')) inside = 'comment';
      continue;
    }
    if (t.startsWith('"')) {
      if (end >= wordStart && !CLOSED_STRING.test(t)) inside = 'string';
      previous = [...previous.slice(-2), t];
      continue;
    }
    if (t === '{') depth++;
    else if (t === '}') {
      depth = Math.max(0, depth - 1);
      if (depth === 0) clause = 'top';
    } else if (t === 'rule' || t === 'let') {
      clause = t;
      event = undefined;
    } else if (CLAUSES.has(t)) {
      if (t === 'when') event = undefined;
      // `followed by` starts a selector, not a grouping
      if (t === 'by' && previous[previous.length - 1] === 'followed') expectEvent = true;
      else {
        clause = t;
        expectEvent = t === 'when';
        afterWhen = t === 'when';
      }
    } else if (expectEvent && /^[A-Za-z_]/.test(t)) {
      if (afterWhen && AGGREGATE_WORDS.has(t)) {
        afterWhen = false;
      } else {
        event = t;
        expectEvent = false;
        afterWhen = false;
      }
    } else if (t !== '(') afterWhen = false;
    previous = [...previous.slice(-2), t];
  }
  const base = { word, wordStart, ...(event ? { event } : {}) };
  if (inside) return { ...base, expecting: 'nothing', afterWhen: false };
  // a word at the very start of a line outside any block starts a new item (one-line rules end at their line)
  if (depth === 0 && !expectEvent && before.lastIndexOf('\n', wordStart - 1) === wordStart - 1) return { ...base, expecting: 'item', afterWhen: false };
  if (expectEvent) return { ...base, expecting: 'event', afterWhen };
  const last = previous[previous.length - 1];
  const field = previous[previous.length - 2];
  if ((last === '==' || last === '!=') && field && /^[A-Za-z_]/.test(field)) return { ...base, expecting: 'value', field, afterWhen: false };
  switch (clause) {
    case 'top':
      return { ...base, expecting: depth > 0 ? 'clause' : 'item', afterWhen: false };
    case 'rule':
      return { ...base, expecting: depth > 0 ? 'clause' : 'nothing', afterWhen: false };
    case 'then':
      // inside `slack(...)` come arguments, which are strings
      return { ...base, expecting: last === '(' ? 'nothing' : 'notifier', afterWhen: false };
    case 'severity':
      return { ...base, expecting: 'severity', afterWhen: false };
    case 'when':
    case 'except':
    case 'by':
    case 'let':
      return { ...base, expecting: 'condition', afterWhen: false };
    default:
      return { ...base, expecting: depth > 0 ? 'clause' : 'item', afterWhen: false };
  }
}
