/**
 * Conditions that can never hold, where that is cheap to see: within one
 * `and`, comparisons on the same field whose allowed values do not overlap
 * (`order > 5 and order < 3`, `comm == "a" and comm == "b"`). A rule that
 * can never fire is worse than an error: it looks like coverage.
 */
import type { Condition, Value } from './checked_rule';

interface NumberBounds {
  lo: number;
  loStrict: boolean;
  hi: number;
  hiStrict: boolean;
}

/** A message naming the field, or undefined. */
export function contradiction(items: readonly Condition[]): string | undefined {
  const bounds = new Map<string, NumberBounds>();
  const equal = new Map<string, string>();
  const notEqual = new Map<string, Set<string>>();
  for (const c of items) {
    if (c.kind !== 'compare') continue;
    const name = c.field.name;
    if (c.value.type === 'number') {
      const b = bounds.get(name) ?? { lo: -Infinity, loStrict: false, hi: Infinity, hiStrict: false };
      tighten(b, c.op, c.value.value);
      bounds.set(name, b);
      if (b.lo > b.hi || (b.lo === b.hi && (b.loStrict || b.hiStrict))) return `no value of ${name} satisfies all of its comparisons`;
    }
    const key = valueKey(c.value);
    if (c.op === '==') {
      const prev = equal.get(name);
      if (prev !== undefined && prev !== key) return `${name} cannot equal both ${prev} and ${key}`;
      equal.set(name, key);
    } else if (c.op === '!=') {
      const set = notEqual.get(name) ?? new Set<string>();
      set.add(key);
      notEqual.set(name, set);
    }
    const eq = equal.get(name);
    if (eq !== undefined && notEqual.get(name)?.has(eq)) return `${name} cannot both equal and differ from ${eq}`;
  }
  return undefined;
}

function tighten(b: NumberBounds, op: string, v: number): void {
  const raiseLo = (x: number, strict: boolean): void => {
    if (x > b.lo || (x === b.lo && strict)) Object.assign(b, { lo: x, loStrict: strict });
  };
  const lowerHi = (x: number, strict: boolean): void => {
    if (x < b.hi || (x === b.hi && strict)) Object.assign(b, { hi: x, hiStrict: strict });
  };
  if (op === '>') raiseLo(v, true);
  else if (op === '>=') raiseLo(v, false);
  else if (op === '<') lowerHi(v, true);
  else if (op === '<=') lowerHi(v, false);
  else if (op === '==') {
    raiseLo(v, false);
    lowerHi(v, false);
  }
}

function valueKey(v: Value): string {
  return v.type === 'string' ? JSON.stringify(v.value) : String(v.value);
}
