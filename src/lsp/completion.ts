/**
 * Completion for what the cursor is in the middle of (cursor_context.ts):
 * event names, the fields of the event in scope with their type and unit,
 * enum values, lets, notifiers, severities and keywords. Every item replaces
 * the whole partial name, dots included, which editors do not treat as part
 * of a word.
 */
import { CompletionItemKind, type CompletionItem, type Range } from 'vscode-languageserver';
import { EVENTS, fieldsOf } from '../events/catalog';
import { AGGREGATES, BUILTIN_NOTIFIERS, KEYWORD_WORDS, SEVERITIES } from '../dsl';
import { cursorContext } from './cursor_context';
import { AGGREGATE_DOCS, eventInScope, fieldType } from './language_facts';
import type { LineTable } from './positions';
import type { RuleSet } from './workspace';

const ITEM_WORDS = ['rule', 'let', 'when'];
const CLAUSE_WORDS = ['when', 'except', 'for', 'keep', 'severity', 'summary', 'description', 'runbook', 'labels', 'cooldown', 'then'];
const CONDITION_WORDS = ['and', 'or', 'not', 'in', 'matches', 'within', 'by', 'followed', 'except', 'then', 'true', 'false'];

export function completionsAt(lines: LineTable, offset: number, set: RuleSet): CompletionItem[] {
  const ctx = cursorContext(lines.text, offset);
  const range: Range = { start: lines.position(ctx.wordStart), end: lines.position(offset) };
  const item = (label: string, kind: CompletionItemKind, detail?: string, documentation?: string): CompletionItem => ({
    label,
    kind,
    textEdit: { range, newText: label },
    ...(detail ? { detail } : {}),
    ...(documentation ? { documentation: { kind: 'markdown', value: documentation } } : {}),
  });
  const keywords = (words: readonly string[]): CompletionItem[] =>
    words.filter((w) => KEYWORD_WORDS.includes(w)).map((w) => item(w, CompletionItemKind.Keyword));
  switch (ctx.expecting) {
    case 'nothing':
      return [];
    case 'item':
      return keywords(ITEM_WORDS);
    case 'clause':
      return keywords(CLAUSE_WORDS);
    case 'event': {
      // `sum(migrate.pages.` goes on with the event's fields
      const chosen = EVENTS.find((e) => ctx.word.startsWith(`${e.name}.`));
      if (chosen) return fieldsOf(chosen).map((f) => item(`${chosen.name}.${f.name}`, CompletionItemKind.Field, fieldType(f), f.doc));
      const events = EVENTS.map((e) => item(e.name, CompletionItemKind.Event, e.family, e.doc));
      return ctx.afterWhen ? [...events, ...AGGREGATES.map((a) => item(a, CompletionItemKind.Function, 'aggregation', AGGREGATE_DOCS[a]))] : events;
    }
    case 'notifier': {
      const names = set.config ? [...set.config.notifiers.keys()] : [];
      const configured = names.map((n) => item(n, CompletionItemKind.Function, `${set.config?.notifiers.get(n)?.type ?? ''} notifier`));
      return [...configured, ...[...BUILTIN_NOTIFIERS].filter((n) => !names.includes(n)).map((n) => item(n, CompletionItemKind.Function, 'built-in notifier'))];
    }
    case 'severity':
      return SEVERITIES.map((s) => item(s, CompletionItemKind.EnumMember));
    case 'value': {
      const event = eventInScope(ctx.event);
      const f = event ? fieldsOf(event).find((x) => x.name === ctx.field) : undefined;
      return (f?.values ?? []).map((v) => item(v, CompletionItemKind.EnumMember, `${f?.name ?? ''} value`));
    }
    case 'condition': {
      const event = eventInScope(ctx.event);
      // a let's condition is checked where it is used: every event's fields may appear in it
      const fields = event ? fieldsOf(event) : [...new Map(EVENTS.flatMap((e) => fieldsOf(e)).map((f) => [f.name, f])).values()];
      const lets = [...set.checker.letEntries().keys()].map((n) => item(n, CompletionItemKind.Variable, 'let'));
      // a condition may go on over lines, or the next clause start
      const words = [...new Set([...CONDITION_WORDS, ...CLAUSE_WORDS])];
      return [...fields.map((f) => item(f.name, CompletionItemKind.Field, fieldType(f), f.doc)), ...lets, ...keywords(words)];
    }
  }
}
