/**
 * The entry point for a rule set: parse every source, collect the lets
 * they share, check every rule, name the one-liners, and return the rules
 * together with every diagnostic of the run (never the first one only).
 */
import path from 'node:path';
import { COMMON_FIELDS, EVENTS } from '../events/catalog';
import type * as A from './ast';
import type { CheckedRule } from './checked_rule';
import { type LetEntry, MAX_CONDITION_NODES } from './check_condition';
import { RuleChecker } from './check_rule';
import { fieldNamed } from './field_index';
import type { Diagnostic } from './diagnostic';
import { parseRuleFile } from './parse';
import type { SourceRange } from './source_range';
import { didYouMean } from './suggest';

export interface RuleSource {
  /** shown in diagnostics; its base name also names one-line rules */
  readonly file: string;
  readonly text: string;
}

export interface CheckOptions {
  /** notifier names from the config; when absent, any name is accepted */
  readonly notifiers?: ReadonlySet<string>;
  /** a finer check of one action against the config (arguments too); a message, or undefined if fine */
  readonly checkAction?: (notifier: string, args: readonly string[]) => string | undefined;
}

export interface CheckResult {
  /** only when there are no errors is this the whole rule set */
  readonly rules: readonly CheckedRule[];
  readonly diagnostics: readonly Diagnostic[];
}

const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
const ALL_FIELD_NAMES = new Set([...COMMON_FIELDS, ...EVENTS.flatMap((e) => e.fields)].map((f) => f.name));

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function checkRuleSources(sources: readonly RuleSource[], options: CheckOptions = {}): CheckResult {
  const diagnostics: Diagnostic[] = [];
  const error = (file: string, range: SourceRange, message: string): void => {
    diagnostics.push({ file, range, severity: 'error', message });
  };
  const files = sources.map((s) => {
    const parsed = parseRuleFile(s.file, s.text);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.diagnostics.length > 0) return { ...parsed.ast, items: parsed.ast.items.filter((i) => !touches(i.range, parsed.diagnostics)) };
    if (parsed.ast.items.length === 0) {
      const start = { line: 1, column: 1, offset: 0 };
      diagnostics.push({ file: s.file, range: { start, end: start }, severity: 'warning', message: 'no rules or lets in this file' });
    }
    return parsed.ast;
  });

  const lets = collectLets(files, error);
  const rules: CheckedRule[] = [];
  const firstByName = new Map<string, CheckedRule>();
  for (const f of files) {
    const names = ruleNames(f);
    for (const item of f.items) {
      if (item.kind !== 'rule') continue;
      const name = names.get(item)!;
      if (item.name && !RULE_NAME.test(name)) {
        error(f.file, item.name.range, 'a rule name is 1-128 letters, digits and . _ : / - (it becomes an alert label)');
        continue;
      }
      const rule = new RuleChecker({ file: f.file, lets, notifiers: options.notifiers, checkAction: options.checkAction, error }, item).check(name, !item.name);
      if (!rule) continue;
      const first = firstByName.get(rule.name);
      if (first) {
        const hint = rule.generated ? `; one-line rules are named after their file and event, so give one a name: rule "..." { ... }` : '';
        error(f.file, item.name?.range ?? item.range, `rule '${rule.name}' is already defined at ${first.file}:${first.range.start.line}${hint}`);
        continue;
      }
      firstByName.set(rule.name, rule);
      rules.push(rule);
    }
  }
  return { rules, diagnostics: sortDiagnostics(dedupe(diagnostics), sources) };
}

/**
 * Error recovery and skipped characters can leave an item that parses but
 * is not what was written (`matches /prod/*` reads as `matches prod`):
 * an item on a line with a syntax error is not checked, so the syntax error
 * is the one message about it.
 */
function touches(range: SourceRange, diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error' && d.range.start.line >= range.start.line && d.range.start.line <= range.end.line);
}

/**
 * One-line rules are named "<file stem>/<event>", with "#2", "#3" for later
 * rules on the same event in the same file: stable when lines move or
 * other rules are added, and readable in an alert.
 */
function ruleNames(f: A.RuleFile): Map<A.RuleDecl, string> {
  // the name becomes an alert label: keep it to the characters a given name may have
  const stem =
    path
      .basename(f.file)
      .replace(/\.rules$/, '')
      .replace(/[^A-Za-z0-9._-]/g, '_') || 'rules';
  const seen = new Map<string, number>();
  const out = new Map<A.RuleDecl, string>();
  for (const item of f.items) {
    if (item.kind !== 'rule') continue;
    if (item.name) {
      out.set(item, item.name.value);
      continue;
    }
    const base = `${stem}/${triggerEvent(item)}`;
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    out.set(item, n === 1 ? base : `${base}#${n}`);
  }
  return out;
}

function triggerEvent(rule: A.RuleDecl): string {
  const when = rule.clauses.find((c): c is Extract<A.Clause, { kind: 'when' }> => c.kind === 'when');
  if (!when) return 'rule';
  const t = when.trigger;
  return t.kind === 'sequence' ? t.first.event.text : t.kind === 'window' ? `${t.fn.text}.${t.selector.event.text}` : t.selector.event.text;
}

/** Lets are shared by every file of a run, so a library file can define them. */
function collectLets(files: readonly A.RuleFile[], error: (file: string, range: SourceRange, message: string) => void): Map<string, LetEntry> {
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
function checkLets(lets: Map<string, LetEntry>, error: (file: string, range: SourceRange, message: string) => void): void {
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

function fieldNamesIn(e: A.Expr): A.Name[] {
  switch (e.kind) {
    case 'and':
    case 'or':
      return e.items.flatMap(fieldNamesIn);
    case 'not':
      return fieldNamesIn(e.item);
    case 'ref':
      return [e.name];
    default:
      return [e.field];
  }
}

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}\0${d.range.start.offset}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortDiagnostics(diagnostics: Diagnostic[], sources: readonly RuleSource[]): Diagnostic[] {
  const order = new Map(sources.map((s, i) => [s.file, i]));
  return diagnostics.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.range.start.offset - b.range.start.offset);
}
