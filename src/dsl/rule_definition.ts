/**
 * A rule's meaning, without where it was written: two rules with equal
 * definitions behave the same, so a reload keeps such a rule's state and
 * counters and does not report it as changed.
 */
import type { CheckedRule } from './checked_rule';

export function ruleDefinition(rule: CheckedRule): string {
  return JSON.stringify(rule, (key, v: unknown) => (key === 'range' || key === 'file' ? undefined : typeof v === 'bigint' ? `${v}n` : v));
}

/** Rule names added, removed and changed from `before` to `after`. */
export function ruleSetChanges(before: readonly CheckedRule[], after: readonly CheckedRule[]): { added: string[]; removed: string[]; changed: string[] } {
  const old = new Map(before.map((r) => [r.name, ruleDefinition(r)]));
  const now = new Map(after.map((r) => [r.name, ruleDefinition(r)]));
  return {
    added: [...now.keys()].filter((n) => !old.has(n)),
    removed: [...old.keys()].filter((n) => !now.has(n)),
    changed: [...now].filter(([n, d]) => old.has(n) && old.get(n) !== d).map(([n]) => n),
  };
}
