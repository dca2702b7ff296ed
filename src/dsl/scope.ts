/**
 * Rules moved under one cgroup, as a container's cgroup namespace would see
 * them: `cgroup matches "/prod/**"` becomes `"/kernwatch-demo/prod/**"`, and
 * every selection also requires the cgroup to be in the scope. So a dry-run
 * (`rules test --scope`) sees only what happens in cgroups one made oneself,
 * with the rules exactly as written for the whole host. Only `cgroup` (the
 * task's v2 path) is moved; `memcg` may be a v1 path and is left alone.
 */
import type { CheckedRule, Condition, Selection, Value } from './checked_rule';

const SCOPED_FIELD = 'cgroup';

export function scopeRules(rules: readonly CheckedRule[], scope: string): CheckedRule[] {
  const root = scope.replace(/\/+$/, '');
  return rules.map((r) => {
    switch (r.kind) {
      case 'event':
      case 'window':
        return { ...r, selection: scopeSelection(r.selection, root) };
      default:
        return { ...r, first: scopeSelection(r.first, root), second: scopeSelection(r.second, root) };
    }
  });
}

function scopeSelection(s: Selection, root: string): Selection {
  const range = { start: { line: 0, column: 0, offset: 0 }, end: { line: 0, column: 0, offset: 0 } };
  const field = { name: SCOPED_FIELD, type: 'path' as const };
  const inScope: Condition = { kind: 'matches', field, globs: [{ pattern: `${root}/**`, kind: 'path' }], range };
  const condition = s.condition.kind === 'true' ? inScope : { kind: 'and' as const, items: [inScope, moved(s.condition, root)], range };
  return { ...s, condition, except: s.except.map((c) => moved(c, root)) };
}

function moved(c: Condition, root: string): Condition {
  switch (c.kind) {
    case 'and':
    case 'or':
      return { ...c, items: c.items.map((i) => moved(i, root)) };
    case 'not':
      return { ...c, item: moved(c.item, root) };
    case 'let':
      return { ...c, condition: moved(c.condition, root) };
    case 'matches':
      return c.field.name === SCOPED_FIELD ? { ...c, globs: c.globs.map((g) => ({ ...g, pattern: under(g.pattern, root) })) } : c;
    case 'compare':
      return c.field.name === SCOPED_FIELD ? { ...c, value: movedValue(c.value, root) } : c;
    case 'in':
      return c.field.name === SCOPED_FIELD ? { ...c, values: c.values.map((v) => movedValue(v, root)) } : c;
    default:
      return c;
  }
}

function movedValue(v: Value, root: string): Value {
  return v.type === 'string' ? { ...v, value: under(v.value, root) } : v;
}

function under(path: string, root: string): string {
  return path === '/' ? root : `${root}${path}`;
}

/** A path (or text holding paths) as seen from inside the scope: `/kernwatch-demo/prod/api` -> `/prod/api`. */
export function unscopedText(text: string, scope: string): string {
  const root = scope.replace(/\/+$/, '');
  return text
    .split(`${root}/`)
    .join('/')
    .replace(new RegExp(`${escapeRegExp(root)}(?![\\w./-])`, 'g'), '/');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
