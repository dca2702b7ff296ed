/**
 * The lets of a rule set: shared by every file of it, so that a library file
 * can define them, and checked once where they are defined for what is wrong
 * wherever they are used.
 */
import { COMMON_FIELDS, EVENTS } from '../events/catalog';
import type * as A from './ast';
import { type LetEntry, MAX_CONDITION_NODES } from './check_condition';
import { fieldNamed } from './field_index';
import type { SourceRange } from './source_range';
import { didYouMean } from './suggest';

export type ReportError = (file: string, range: SourceRange, message: string) => void;

export const ALL_FIELD_NAMES = new Set([...COMMON_FIELDS, ...EVENTS.flatMap((e) => e.fields)].map((f) => f.name));

/** Lets are shared by every file of a run, so a library file can define them. */
export function collectLets(files: readonly A.RuleFile[], error: ReportError): Map<string, LetEntry> {
  const lets = new Map<string, LetEntry>();
  for (const f of files) {
    for (const item of f.items) {
      if (item.kind !== 'let') continue;
      const name = item.name.text;
      const previous = lets.get(name);
      if (name.includes('.')) error(f.file, item.name.range, `a let name has no dots ('${name}')`);
      else if (ALL_FIELD_NAMES.has(name)) error(f.file, item.name.range, `'${name}' is an event field; a let needs another name`);
      else if (previous) error(f.file, item.name.range, `let '${name}' is already defined at ${previous.file}:${previous.decl.range.start.line}`);
      else if (item.value.kind === 'list' && item.value.items.length > MAX_CONDITION_NODES) {
        error(f.file, item.value.range, `a list of more than ${MAX_CONDITION_NODES} items`);
      } else lets.set(name, { decl: item, file: f.file, broken: false });
    }
  }
  checkLets(lets, error);
  return lets;
}

/**
 * A let is checked where it is used, against that rule's event. Checked
 * here is what is wrong everywhere, so an unused let cannot hide a typo: a
 * name that is neither a let nor a field of some event, or fields that no
 * single event has together. A let found broken here is not reported again
 * at each use.
 */
function checkLets(lets: Map<string, LetEntry>, error: ReportError): void {
  const inCycle = new Set<string>();
  for (const [name, entry] of lets) {
    const value = entry.decl.value;
    if (value.kind === 'list') continue;
    const fields = fieldNamesIn(value).filter((n) => !lets.has(n.text));
    let broken = false;
    for (const n of fields) {
      if (ALL_FIELD_NAMES.has(n.text)) continue;
      error(entry.file, n.range, `unknown field '${n.text}' (no event has it)${didYouMean(n.text, [...ALL_FIELD_NAMES, ...lets.keys()])}`);
      broken = true;
    }
    const wanted = [...new Set(fields.map((n) => n.text))];
    if (!broken && !EVENTS.some((e) => wanted.every((w) => fieldNamed(e, w)))) {
      error(entry.file, entry.decl.name.range, `no event has all of ${wanted.join(', ')}, so let '${name}' can never apply`);
      broken = true;
    }
    if (!broken) {
      const cycle = inCycle.has(name) ? [] : letCycle(name, lets);
      if (cycle) {
        // one message per cycle, at the first of its lets
        if (cycle.length) error(entry.file, entry.decl.name.range, `let '${name}' refers to itself (${cycle.join(' -> ')})`);
        for (const n of cycle) inCycle.add(n);
        broken = true;
      }
    }
    if (broken) lets.set(name, { ...entry, broken });
  }
}

/** The path back to `start` through condition lets, if there is one. */
function letCycle(start: string, lets: ReadonlyMap<string, LetEntry>): string[] | undefined {
  const visited = new Set<string>();
  const walk = (name: string, path: string[]): string[] | undefined => {
    const value = lets.get(name)?.decl.value;
    if (!value || value.kind === 'list') return undefined;
    for (const ref of fieldNamesIn(value)) {
      if (ref.text === start) return [...path, start];
      if (!lets.has(ref.text) || visited.has(ref.text)) continue;
      visited.add(ref.text);
      const found = walk(ref.text, [...path, ref.text]);
      if (found) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

/** The fields and bare names of a condition. */
export function fieldNamesIn(e: A.Expr): A.Name[] {
  return namesIn(e, false);
}

/** The names in a condition that may be lets: its fields and bare names, and the lists `in` and `matches` name. */
export function letRefsIn(e: A.Expr): A.Name[] {
  return namesIn(e, true);
}

function namesIn(e: A.Expr, lists: boolean): A.Name[] {
  switch (e.kind) {
    case 'and':
    case 'or':
      return e.items.flatMap((i) => namesIn(i, lists));
    case 'not':
      return namesIn(e.item, lists);
    case 'ref':
      return [e.name];
    case 'in':
    case 'matches': {
      const list = e.kind === 'in' ? e.values : e.patterns;
      return lists && list.kind === 'name' ? [e.field, list] : [e.field];
    }
    default:
      return [e.field];
  }
}
