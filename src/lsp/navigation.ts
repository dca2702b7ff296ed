/**
 * Go to definition and find references for lets, across the files of the
 * rule set (lets are shared by every file of it, as `rules check` does).
 */
import type { Location } from 'vscode-languageserver';
import { symbolAt, symbolsOf, type SymbolOccurrence } from '../dsl';
import { LineTable } from './positions';
import type { RuleSet, Workspace } from './workspace';

/** The let named at `offset`, if the name there is one. */
function letAt(file: string, offset: number, set: RuleSet): string | undefined {
  const ast = set.checker.ast(file);
  const symbol = ast ? symbolAt(symbolsOf(ast), offset) : undefined;
  if (!symbol || !(symbol.role === 'let' || symbol.role === 'list' || symbol.role === 'ref')) return undefined;
  return set.checker.letEntries().has(symbol.name) ? symbol.name : undefined;
}

export function definitionAt(file: string, offset: number, set: RuleSet, workspace: Workspace, uriOf: (file: string) => string): Location | undefined {
  const name = letAt(file, offset, set);
  const entry = name ? set.checker.letEntries().get(name) : undefined;
  const text = entry ? workspace.text(entry.file) : undefined;
  if (!entry || text === undefined) return undefined;
  return { uri: uriOf(entry.file), range: new LineTable(text).range(entry.decl.name.range) };
}

export function referencesAt(
  file: string,
  offset: number,
  set: RuleSet,
  workspace: Workspace,
  uriOf: (file: string) => string,
  includeDeclaration: boolean,
): Location[] {
  const name = letAt(file, offset, set);
  if (!name) return [];
  const out: Location[] = [];
  for (const f of set.checker.fileNames()) {
    const ast = set.checker.ast(f);
    const text = workspace.text(f);
    if (!ast || text === undefined) continue;
    const uses = symbolsOf(ast).filter(
      (s: SymbolOccurrence) => s.name === name && (s.role === 'ref' || s.role === 'list' || (includeDeclaration && s.role === 'let')),
    );
    if (uses.length === 0) continue;
    const lines = new LineTable(text);
    for (const s of uses) out.push({ uri: uriOf(f), range: lines.range(s.range) });
  }
  return out;
}
