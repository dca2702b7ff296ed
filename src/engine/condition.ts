/**
 * Checked conditions turned into predicates over an event's fields: the
 * userspace tier, and the reference every kernel shortcut must agree with.
 * A field the kernel could not fill is absent, and a comparison with an
 * absent field is false, whatever the operator: `not` of it is then true,
 * as `cgroup != "/x"` on an event with no known cgroup should not page.
 */
import type { FieldValue } from '../events/event';
import { globMatcher, type CompareOp, type Condition, type Selection, type Value } from '../dsl';

export type Fields = Readonly<Record<string, FieldValue>>;
export type Predicate = (fields: Fields) => boolean;

export function compileCondition(c: Condition): Predicate {
  switch (c.kind) {
    case 'true':
      return () => true;
    case 'and': {
      const items = c.items.map(compileCondition);
      return (f) => items.every((p) => p(f));
    }
    case 'or': {
      const items = c.items.map(compileCondition);
      return (f) => items.some((p) => p(f));
    }
    case 'not': {
      const item = compileCondition(c.item);
      return (f) => !item(f);
    }
    case 'let':
      return compileCondition(c.condition);
    case 'is': {
      const name = c.field.name;
      return (f) => f[name] === true;
    }
    case 'compare': {
      const name = c.field.name;
      const want = plain(c.value);
      const cmp = comparator(c.op);
      return (f) => {
        const have = f[name];
        return have !== undefined && cmp(have, want);
      };
    }
    case 'in': {
      const name = c.field.name;
      const wanted = new Set(c.values.map(plain));
      return (f) => {
        const have = f[name];
        return have !== undefined && wanted.has(have);
      };
    }
    case 'matches': {
      const name = c.field.name;
      const matchers = c.globs.map((g) => globMatcher(g.pattern, g.kind));
      return (f) => {
        const have = f[name];
        return typeof have === 'string' && matchers.some((m) => m(have));
      };
    }
  }
}

/** Events of the selection's kind that pass its condition and none of its exceptions. */
export function compileSelection(s: Selection): (name: string, fields: Fields) => boolean {
  const condition = compileCondition(s.condition);
  const exceptions = s.except.map(compileCondition);
  return (name, fields) => name === s.event && condition(fields) && !exceptions.some((e) => e(fields));
}

/** The value as the decoder produces it for the field (enum symbols are strings there). */
function plain(v: Value): FieldValue {
  return v.value;
}

function comparator(op: CompareOp): (a: FieldValue, b: FieldValue) => boolean {
  return (a, b) => compareValues(op, a, b);
}

/** The one meaning of the comparison operators, for fields, aggregates and raw kernel values. */
export function compareValues<T extends FieldValue>(op: CompareOp, a: T, b: T): boolean {
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    case '>=':
      return a >= b;
  }
}
