/** Checked conditions back in the rule language, for `rules explain`. */
import { formatLiteral, type Condition, type FieldRef, type Value } from '../dsl';

/** A constant as a rule would write it: `1GiB`, `2s`, `"text"`. */
export function printValue(v: Value, field?: FieldRef): string {
  if (v.type === 'string') return JSON.stringify(v.value);
  if (v.type === 'number') return formatLiteral(v.value, field?.unit);
  return String(v.value);
}

export function printCondition(c: Condition): string {
  switch (c.kind) {
    case 'true':
      return 'true';
    case 'and':
      return c.items.map((i) => wrap(i, 'and')).join(' and ');
    case 'or':
      return c.items.map((i) => wrap(i, 'or')).join(' or ');
    case 'not':
      return `not ${wrap(c.item, 'not')}`;
    case 'let':
      return c.name;
    case 'is':
      return c.field.name;
    case 'compare':
      return `${c.field.name} ${c.op} ${printValue(c.value, c.field)}`;
    case 'in':
      return `${c.field.name} in [${c.values.map((v) => printValue(v, c.field)).join(', ')}]`;
    case 'matches':
      return `${c.field.name} matches ${c.globs.length === 1 ? JSON.stringify(c.globs[0]?.pattern) : `[${c.globs.map((g) => JSON.stringify(g.pattern)).join(', ')}]`}`;
  }
}

function wrap(c: Condition, parent: 'and' | 'or' | 'not'): string {
  const text = printCondition(c);
  const needs = (c.kind === 'or' && parent !== 'or') || (c.kind === 'and' && parent === 'not');
  return needs ? `(${text})` : text;
}
