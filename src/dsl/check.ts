/**
 * The entry point for a rule set: parse every source, collect the lets
 * they share, check every rule, name the one-liners, and return the rules
 * together with every diagnostic of the run (never the first one only).
 * RuleSetChecker does it incrementally for an editor: a changed file is
 * parsed again, and only its rules and the rules that use a let it changed
 * are checked again.
 */
import path from 'node:path';
import type * as A from './ast';
import type { CheckedRule } from './checked_rule';
import type { LetEntry } from './check_condition';
import { collectLets, letRefsIn } from './check_lets';
import { RuleChecker } from './check_rule';
import type { Diagnostic } from './diagnostic';
import { parseRuleFile } from './parse';
import type { SourceRange } from './source_range';

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

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

export function checkRuleSources(sources: readonly RuleSource[], options: CheckOptions = {}): CheckResult {
  const checker = new RuleSetChecker(options);
  for (const s of sources) checker.set(s.file, s.text);
  return checker.check();
}

/** One rule of a file as last checked. */
interface CheckedItem {
  readonly name: string;
  readonly decl: A.RuleDecl;
  /** undefined when it has errors */
  readonly rule?: CheckedRule;
  /** what checking it found, in any file (a misused let reports where the let is) */
  readonly diagnostics: readonly Diagnostic[];
}

interface FileState {
  readonly text: string;
  /** its items, less those a syntax error touches */
  readonly ast: A.RuleFile;
  /** syntax errors, or the warning of a file with nothing in it */
  readonly own: readonly Diagnostic[];
  /** every name its rules use: a changed let with one of these names checks the file again */
  readonly names: ReadonlySet<string>;
  checked?: readonly CheckedItem[];
}

export class RuleSetChecker {
  /** in the order files were first set: the order of rules and diagnostics */
  private readonly files = new Map<string, FileState>();
  private lets = new Map<string, LetEntry>();
  private letDiagnostics: Diagnostic[] = [];
  private letSignatures = new Map<string, string>();
  private changed = true;

  constructor(private options: CheckOptions = {}) {}

  /** Adds a file, or replaces its text. */
  set(file: string, text: string): void {
    if (this.files.get(file)?.text === text) return;
    const parsed = parseRuleFile(file, text);
    let ast = parsed.ast;
    const own: Diagnostic[] = [...parsed.diagnostics];
    if (parsed.diagnostics.length > 0) ast = { ...ast, items: ast.items.filter((i) => !touches(i.range, parsed.diagnostics)) };
    else if (ast.items.length === 0) {
      const start = { line: 1, column: 1, offset: 0 };
      own.push({ file, range: { start, end: start }, severity: 'warning', message: 'no rules or lets in this file' });
    }
    this.files.set(file, { text, ast, own, names: namesUsed(ast) });
    this.changed = true;
  }

  remove(file: string): void {
    this.changed = this.files.delete(file) || this.changed;
  }

  /** New notifiers from the config: every rule is checked again. */
  setOptions(options: CheckOptions): void {
    this.options = options;
    for (const f of this.files.values()) f.checked = undefined;
    this.changed = true;
  }

  /** The file's text as last set: what the diagnostics' offsets count in. */
  text(file: string): string | undefined {
    return this.files.get(file)?.text;
  }

  /** The file's syntax tree as last set (items with syntax errors left out). */
  ast(file: string): A.RuleFile | undefined {
    return this.files.get(file)?.ast;
  }

  /** The lets of the whole set, after the last check(). */
  letEntries(): ReadonlyMap<string, LetEntry> {
    return this.lets;
  }

  fileNames(): string[] {
    return [...this.files.keys()];
  }

  /** Checks what changed since the last call, and returns the whole set's rules and diagnostics. */
  check(): CheckResult {
    if (this.changed) this.recheck();
    this.changed = false;
    const diagnostics: Diagnostic[] = [];
    for (const f of this.files.values()) diagnostics.push(...f.own);
    diagnostics.push(...this.letDiagnostics);
    const rules: CheckedRule[] = [];
    const firstByName = new Map<string, CheckedRule>();
    for (const [file, f] of this.files) {
      for (const item of f.checked ?? []) {
        diagnostics.push(...item.diagnostics);
        const rule = item.rule;
        if (!rule) continue;
        const first = firstByName.get(rule.name);
        if (first) {
          const hint = rule.generated ? `; one-line rules are named after their file and event, so give one a name: rule "..." { ... }` : '';
          const message = `rule '${rule.name}' is already defined at ${first.file}:${first.range.start.line}${hint}`;
          diagnostics.push({ file, range: item.decl.name?.range ?? item.decl.range, severity: 'error', message });
          continue;
        }
        firstByName.set(rule.name, rule);
        rules.push(rule);
      }
    }
    return { rules, diagnostics: sortDiagnostics(dedupe(diagnostics), [...this.files.keys()]) };
  }

  /** The lets again, then the rules of the files that changed or use a let that did. */
  private recheck(): void {
    const letDiagnostics: Diagnostic[] = [];
    const states = [...this.files.values()];
    this.lets = collectLets(
      states.map((f) => f.ast),
      (file, range, message) => letDiagnostics.push({ file, range, severity: 'error', message }),
    );
    this.letDiagnostics = letDiagnostics;
    const signatures = letSignatures(this.lets, this.files);
    const changedLets = changedLetNames(this.letSignatures, signatures, this.lets);
    // a let added or removed changes what a misspelt name is told it might mean
    const namesChanged = [...changedLets].some((n) => this.letSignatures.has(n) !== signatures.has(n));
    this.letSignatures = signatures;
    for (const [file, f] of this.files) {
      const uses = [...f.names].some((n) => changedLets.has(n));
      const suggests = namesChanged && f.checked?.some((item) => item.diagnostics.length > 0);
      if (f.checked && !uses && !suggests) continue;
      f.checked = this.checkFile(file, f.ast);
    }
  }

  private checkFile(file: string, ast: A.RuleFile): CheckedItem[] {
    const names = ruleNames(ast);
    const out: CheckedItem[] = [];
    for (const item of ast.items) {
      if (item.kind !== 'rule') continue;
      const name = names.get(item)!;
      const diagnostics: Diagnostic[] = [];
      const error = (f: string, range: SourceRange, message: string): void => {
        diagnostics.push({ file: f, range, severity: 'error', message });
      };
      if (item.name && !RULE_NAME.test(name)) {
        error(file, item.name.range, 'a rule name is 1-128 letters, digits and . _ : / - (it becomes an alert label)');
        out.push({ name, decl: item, diagnostics });
        continue;
      }
      const { notifiers, checkAction } = this.options;
      const rule = new RuleChecker({ file, lets: this.lets, notifiers, checkAction, error }, item).check(name, !item.name);
      out.push({ name, decl: item, ...(rule ? { rule } : {}), diagnostics });
    }
    return out;
  }
}

/**
 * What a let means, as a string: where it is (a use's error can point into
 * it, so its position counts), whether it is broken, its text.
 */
function letSignatures(lets: ReadonlyMap<string, LetEntry>, files: ReadonlyMap<string, FileState>): Map<string, string> {
  const out = new Map<string, string>();
  for (const [name, e] of lets) {
    const text = files.get(e.file)?.text ?? '';
    const { start, end } = e.decl.range;
    out.set(name, `${e.file}\0${start.offset}\0${e.broken}\0${text.slice(start.offset, end.offset)}`);
  }
  return out;
}

/** The lets added, removed or changed between two signatures, and those that use one of them. */
function changedLetNames(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, lets: ReadonlyMap<string, LetEntry>): Set<string> {
  const changed = new Set([...before.keys(), ...after.keys()].filter((n) => before.get(n) !== after.get(n)));
  for (let grew = true; grew;) {
    grew = false;
    for (const [name, entry] of lets) {
      if (changed.has(name) || entry.decl.value.kind === 'list') continue;
      if (letRefsIn(entry.decl.value).some((n) => changed.has(n.text))) {
        changed.add(name);
        grew = true;
      }
    }
  }
  return changed;
}

/** Every name a file's rules and lets use: fields, lets, lists. */
function namesUsed(ast: A.RuleFile): Set<string> {
  const names = new Set<string>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const o = node as { kind?: string; text?: string };
    if (o.kind === 'name' && typeof o.text === 'string') names.add(o.text);
    for (const [k, v] of Object.entries(node)) if (k !== 'range') visit(v);
  };
  visit(ast.items);
  return names;
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

function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.file}\0${d.range.start.offset}\0${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function sortDiagnostics(diagnostics: Diagnostic[], files: readonly string[]): Diagnostic[] {
  const order = new Map(files.map((f, i) => [f, i]));
  return diagnostics.sort((a, b) => (order.get(a.file) ?? 0) - (order.get(b.file) ?? 0) || a.range.start.offset - b.range.start.offset);
}
