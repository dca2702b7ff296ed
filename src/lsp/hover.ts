/** Hover: what the name under the cursor is, from the catalog or the rule set's lets. */
import type { Hover } from 'vscode-languageserver';
import { eventByName } from '../events/catalog';
import { symbolAt, symbolsOf, BUILTIN_NOTIFIERS } from '../dsl';
import { AGGREGATE_DOCS, describeEvent, describeField, describeLet, eventInScope, fieldFor } from './language_facts';
import type { LineTable } from './positions';
import type { RuleSet, Workspace } from './workspace';

export function hoverAt(file: string, lines: LineTable, offset: number, set: RuleSet, workspace: Workspace): Hover | undefined {
  const ast = set.checker.ast(file);
  const symbol = ast ? symbolAt(symbolsOf(ast), offset) : undefined;
  if (!symbol) return undefined;
  const markdown = (value: string): Hover => ({ contents: { kind: 'markdown', value }, range: lines.range(symbol.range) });
  const letEntry = set.checker.letEntries().get(symbol.name);
  switch (symbol.role) {
    case 'event': {
      const e = eventByName(symbol.name);
      return e ? markdown(describeEvent(e)) : undefined;
    }
    case 'aggregate':
      return AGGREGATE_DOCS[symbol.name] ? markdown(AGGREGATE_DOCS[symbol.name] ?? '') : undefined;
    case 'let':
    case 'list':
      return letEntry ? markdown(describeLet(symbol.name, letEntry, workspace.text(letEntry.file))) : undefined;
    case 'ref':
    case 'field': {
      if (symbol.role === 'ref' && letEntry) return markdown(describeLet(symbol.name, letEntry, workspace.text(letEntry.file)));
      const event = eventInScope(symbol.event);
      const f = fieldFor(symbol.name, event);
      return f ? markdown(describeField(f, event)) : undefined;
    }
    case 'notifier': {
      const n = set.config?.notifiers.get(symbol.name);
      if (n) return markdown(`**${symbol.name}**: a ${n.type} notifier of ${set.key}`);
      return BUILTIN_NOTIFIERS.has(symbol.name) ? markdown(`**${symbol.name}**: built in, prints the alert as a JSON line`) : undefined;
    }
  }
}
