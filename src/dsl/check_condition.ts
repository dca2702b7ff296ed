/**
 * Type-checks a condition against one event kind and resolves it into the
 * engine's Condition. After an error in a subtree it returns undefined (an
 * "unknown" result, as expr-lang's checker does) so one mistake is one
 * message, not ten.
 */
import type { EventSpec, FieldSpec } from '../events/types';
import { fieldNamed, fieldNames, fieldRange } from './field_index';
import type * as A from './ast';
import type { Condition, FieldRef, Glob, Value } from './checked_rule';
import { validateGlob } from './glob';
import { contradiction } from './impossible';
import type { SourceRange } from './source_range';
import { didYouMean } from './suggest';
import { describeQuantity, parseNumber } from './units';

/** Past this many nodes after expanding lets, a condition is a `let` bomb. */
export const MAX_CONDITION_NODES = 10_000;
const MAX_LET_DEPTH = 32;

export interface LetEntry {
  readonly decl: A.LetDecl;
  readonly file: string;
  /** already reported where it is defined: uses fail quietly */
  readonly broken: boolean;
}

export interface ConditionScope {
  readonly event: EventSpec;
  readonly lets: ReadonlyMap<string, LetEntry>;
  readonly file: string;
  readonly error: (file: string, range: SourceRange, message: string) => void;
  /** fail without a message: the cause was reported elsewhere */
  readonly failQuietly: () => void;
}

export function fieldRef(f: FieldSpec): FieldRef {
  return f.unit ? { name: f.name, type: f.type, unit: f.unit } : { name: f.name, type: f.type };
}

/** The field `name` of `event`, or why there is none (with a suggestion). */
export function resolveField(event: EventSpec, lets: ReadonlyMap<string, unknown>, name: string): FieldSpec | string {
  const f = fieldNamed(event, name);
  if (f) return f;
  if (lets.has(name)) return `'${name}' is a let, not a field of ${event.name}`;
  return `unknown field '${name}' on ${event.name}${didYouMean(name, fieldNames(event))}`;
}

export class ConditionChecker {
  private nodes = 0;
  private readonly letStack: string[] = [];
  private tooLarge = false;

  constructor(private readonly scope: ConditionScope) {}

  check(expr: A.Expr): Condition | undefined {
    return this.expr(expr, this.scope.file);
  }

  private error(file: string, range: SourceRange, message: string): undefined {
    const via = this.letStack.length ? ` (in let '${this.letStack.at(-1) ?? ''}', on ${this.scope.event.name})` : '';
    this.scope.error(file, range, message + via);
    return undefined;
  }

  private expr(e: A.Expr, file: string): Condition | undefined {
    if (++this.nodes > MAX_CONDITION_NODES) {
      if (!this.tooLarge) this.scope.error(this.scope.file, e.range, `condition has more than ${MAX_CONDITION_NODES} parts once lets are expanded`);
      this.tooLarge = true;
      return undefined;
    }
    switch (e.kind) {
      case 'and':
      case 'or': {
        const items = e.items.map((i) => this.expr(i, file));
        if (items.some((i) => i === undefined)) return undefined;
        const resolved = items as Condition[];
        if (e.kind === 'and') {
          const why = contradiction(resolved);
          if (why) return this.error(file, e.range, `this condition can never hold: ${why}`);
        }
        return { kind: e.kind, items: resolved, range: e.range };
      }
      case 'not': {
        const item = this.expr(e.item, file);
        return item && { kind: 'not', item, range: e.range };
      }
      case 'ref':
        return this.ref(e.name, file);
      case 'compare':
        return this.compare(e, file);
      case 'in':
        return this.inList(e, file);
      case 'matches':
        return this.matches(e, file);
    }
  }

  private field(name: A.Name, file: string): FieldSpec | undefined {
    const f = resolveField(this.scope.event, this.scope.lets, name.text);
    if (typeof f === 'string') return this.error(file, name.range, f);
    if (f.type === 'address') return this.error(file, name.range, `${f.name} is a raw kernel address; rules cannot test it`);
    return f;
  }

  private ref(name: A.Name, file: string): Condition | undefined {
    const entry = this.scope.lets.get(name.text);
    if (entry) {
      if (entry.decl.value.kind === 'list') {
        return this.error(file, name.range, `'${name.text}' is a list; use it as 'field in ${name.text}' or 'field matches ${name.text}'`);
      }
      if (entry.broken) {
        this.scope.failQuietly();
        return undefined;
      }
      if (this.letStack.includes(name.text)) {
        return this.error(file, name.range, `let '${name.text}' refers to itself (${[...this.letStack, name.text].join(' -> ')})`);
      }
      if (this.letStack.length >= MAX_LET_DEPTH) return this.error(file, name.range, `lets nested more than ${MAX_LET_DEPTH} deep`);
      this.letStack.push(name.text);
      const condition = this.expr(entry.decl.value, entry.file);
      this.letStack.pop();
      return condition && { kind: 'let', name: name.text, condition, range: name.range };
    }
    const f = fieldNamed(this.scope.event, name.text);
    if (f && f.type === 'bool') return { kind: 'is', field: fieldRef(f), range: name.range };
    if (f) return this.error(file, name.range, `${f.name} is ${article(f)}, not a condition; compare it (${example(f)})`);
    const candidates = [...fieldNames(this.scope.event), ...this.scope.lets.keys()];
    return this.error(file, name.range, `unknown field or let '${name.text}' on ${this.scope.event.name}${didYouMean(name.text, candidates)}`);
  }

  private compare(e: Extract<A.Expr, { kind: 'compare' }>, file: string): Condition | undefined {
    const f = this.field(e.field, file);
    if (!f) return undefined;
    if (e.op !== '==' && e.op !== '!=' && f.type !== 'number') {
      return this.error(file, e.range, `${f.name} is ${article(f)}; only == and != apply (or 'in', 'matches')`);
    }
    const value = this.value(f, e.value, file);
    if (!value) return undefined;
    if (value.type === 'number') {
      const range = fieldRange(this.scope.event, f.name);
      if (range && !canHold(e.op, value.value, range)) {
        return this.error(file, e.range, `this comparison can never hold: ${f.name} is between ${range[0]} and ${range[1]}`);
      }
    }
    return { kind: 'compare', field: fieldRef(f), op: e.op, value, range: e.range };
  }

  private inList(e: Extract<A.Expr, { kind: 'in' }>, file: string): Condition | undefined {
    const f = this.field(e.field, file);
    if (!f) return undefined;
    const list = this.list(e.values, file);
    if (!list) return undefined;
    if (list.list.items.length === 0) return this.error(file, list.list.range, 'an empty list matches nothing');
    const values = list.list.items.map((item) => this.value(f, item, list.file));
    if (values.some((v) => v === undefined)) return undefined;
    return { kind: 'in', field: fieldRef(f), values: values as Value[], range: e.range };
  }

  private matches(e: Extract<A.Expr, { kind: 'matches' }>, file: string): Condition | undefined {
    const f = this.field(e.field, file);
    if (!f) return undefined;
    if (f.type !== 'path' && f.type !== 'string') {
      return this.error(file, e.field.range, `${f.name} is ${article(f)}; 'matches' applies to strings and cgroup paths`);
    }
    const kind = f.type === 'path' ? 'path' : 'string';
    let items: readonly A.Literal[] = [];
    let itemsFile = file;
    if (e.patterns.kind === 'string') items = [e.patterns];
    else {
      const list = this.list(e.patterns, file);
      if (!list) return undefined;
      if (list.list.items.length === 0) return this.error(file, list.list.range, 'an empty list matches nothing');
      items = list.list.items;
      itemsFile = list.file;
    }
    const globs: Glob[] = [];
    for (const item of items) {
      if (item.kind !== 'string') return this.error(itemsFile, item.range, 'a glob is a string ("/prod/**")');
      const problem = validateGlob(item.value, kind);
      if (problem) return this.error(itemsFile, item.range, `invalid glob: ${problem}`);
      globs.push({ pattern: item.value, kind });
    }
    return { kind: 'matches', field: fieldRef(f), globs, range: e.range };
  }

  private list(v: A.ListLiteral | A.Name, file: string): { list: A.ListLiteral; file: string } | undefined {
    if (v.kind === 'list') return { list: v, file };
    const entry = this.scope.lets.get(v.text);
    if (!entry) return this.error(file, v.range, `unknown list '${v.text}'${didYouMean(v.text, this.scope.lets.keys())}`);
    if (entry.decl.value.kind !== 'list') return this.error(file, v.range, `let '${v.text}' is a condition, not a list`);
    return { list: entry.decl.value, file: entry.file };
  }

  /** A literal typed as field `f` expects it. */
  private value(f: FieldSpec, lit: A.Literal, file: string): Value | undefined {
    const wrong = (): undefined => this.error(file, lit.range, `${f.name} is ${article(f)}; ${describeLiteral(lit)} does not fit (${example(f)})`);
    switch (f.type) {
      case 'number': {
        if (lit.kind !== 'number') return wrong();
        const n = parseNumber(lit.text);
        if (typeof n === 'string') return this.error(file, lit.range, n);
        const expected = f.unit === 'bytes' ? 'bytes' : f.unit === 'ns' ? 'duration' : 'plain';
        if (n.quantity !== 'plain' && n.quantity !== expected) {
          const what = f.unit ? `a ${f.unit === 'bytes' ? 'size in bytes' : 'duration'}` : 'a plain number';
          return this.error(file, lit.range, `${f.name} is ${what}, but '${lit.text}' is ${describeQuantity(n.quantity)}`);
        }
        const value = f.unit === 'ns' && n.quantity === 'duration' ? n.value * 1e6 : n.value;
        if (!Number.isFinite(value) || Math.abs(value) > Number.MAX_SAFE_INTEGER) {
          return this.error(file, lit.range, `'${lit.text}' is out of range (largest: ${Number.MAX_SAFE_INTEGER})`);
        }
        return { type: 'number', value };
      }
      case 'id': {
        if (lit.kind !== 'number' || !/^(0x[0-9A-Fa-f_]+|[0-9_]+)$/.test(lit.text)) return wrong();
        const value = BigInt(lit.text.replace(/_/g, ''));
        if (value >= 2n ** 64n) return this.error(file, lit.range, `'${lit.text}' is out of range for a 64-bit id`);
        return { type: 'id', value };
      }
      case 'string':
        return lit.kind === 'string' ? { type: 'string', value: lit.value } : wrong();
      case 'path':
        if (lit.kind !== 'string') return wrong();
        if (!lit.value.startsWith('/')) {
          return this.error(file, lit.range, `cgroup paths start with '/', so "${lit.value}" could never match`);
        }
        return { type: 'string', value: lit.value };
      case 'bool':
        return lit.kind === 'bool' ? { type: 'bool', value: lit.value } : wrong();
      case 'enum': {
        const values = f.values ?? [];
        if (lit.kind !== 'name') {
          if (lit.kind === 'string' && values.includes(lit.value)) {
            return this.error(file, lit.range, `enum values are written without quotes: ${f.name} == ${lit.value}`);
          }
          return wrong();
        }
        const index = values.indexOf(lit.text);
        if (index < 0) {
          return this.error(file, lit.range, `${f.name} has no value '${lit.text}'${didYouMean(lit.text, values)}; one of: ${values.join(', ')}`);
        }
        return { type: 'enum', value: lit.text, index };
      }
      case 'address':
        return this.error(file, lit.range, `${f.name} is a raw kernel address; rules cannot test it`);
    }
  }
}

function canHold(op: string, v: number, [lo, hi]: readonly [number, number]): boolean {
  switch (op) {
    case '<':
      return v > lo;
    case '<=':
      return v >= lo;
    case '>':
      return v < hi;
    case '>=':
      return v <= hi;
    case '==':
      return v >= lo && v <= hi;
    default:
      return true;
  }
}

function article(f: FieldSpec): string {
  switch (f.type) {
    case 'number':
      return f.unit === 'bytes' ? 'a size in bytes' : f.unit === 'ns' ? 'a duration' : 'a number';
    case 'string':
      return 'a string';
    case 'path':
      return 'a cgroup path';
    case 'bool':
      return 'a bool';
    case 'enum':
      return `an enum (${(f.values ?? []).join(', ')})`;
    case 'id':
      return 'a 64-bit id';
    case 'address':
      return 'a kernel address';
  }
}

function example(f: FieldSpec): string {
  switch (f.type) {
    case 'number':
      return f.unit === 'bytes' ? `${f.name} > 64MiB` : `${f.name} > 10`;
    case 'string':
      return `${f.name} == "name"`;
    case 'path':
      return `${f.name} matches "/prod/**"`;
    case 'bool':
      return `${f.name} == true, or just ${f.name}`;
    case 'enum':
      return `${f.name} == ${f.values?.[0] ?? 'value'}`;
    case 'id':
      return `${f.name} == 1234`;
    case 'address':
      return '';
  }
}

function describeLiteral(lit: A.Literal): string {
  switch (lit.kind) {
    case 'number':
      return `the number ${lit.text}`;
    case 'string':
      return `the string ${JSON.stringify(lit.value)}`;
    case 'bool':
      return `${lit.value}`;
    case 'name':
      return `the bare name '${lit.text}' (strings need quotes)`;
  }
}
