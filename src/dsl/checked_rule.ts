/**
 * What the checker hands the engine: rules with every name resolved against
 * the event catalog, every unit converted (sizes in bytes, durations in ms),
 * every default filled in. The engine compiles this without re-parsing.
 */
import type { Unit, ValueType } from '../events/types';
import type { GlobKind } from './glob';
import type { SourceRange } from './source_range';
import type { Template } from './template';

/** How urgent a rule's alerts are; notifiers route on it. */
export type Severity = 'info' | 'warning' | 'critical';

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

export interface FieldRef {
  readonly name: string;
  readonly type: ValueType;
  readonly unit?: Unit;
}

/**
 * A constant in a condition, typed like the field it is compared with:
 * `number` for number fields (already scaled: bytes, ns), `id` for 64-bit
 * ids (bigint, as the decoder produces them), `enum` with the symbol and the
 * kernel's numeric value, `string` for string and path fields.
 */
export type Value =
  | { readonly type: 'number'; readonly value: number }
  | { readonly type: 'id'; readonly value: bigint }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'enum'; readonly value: string; readonly index: number };

export interface Glob {
  readonly pattern: string;
  /** 'path' for cgroup paths (segment-wise), 'string' otherwise; see glob.ts */
  readonly kind: GlobKind;
}

export type Condition =
  /** no filter: every event of the kind */
  | { readonly kind: 'true' }
  | { readonly kind: 'and'; readonly items: readonly Condition[]; readonly range: SourceRange }
  | { readonly kind: 'or'; readonly items: readonly Condition[]; readonly range: SourceRange }
  | { readonly kind: 'not'; readonly item: Condition; readonly range: SourceRange }
  | { readonly kind: 'compare'; readonly field: FieldRef; readonly op: CompareOp; readonly value: Value; readonly range: SourceRange }
  | { readonly kind: 'in'; readonly field: FieldRef; readonly values: readonly Value[]; readonly range: SourceRange }
  /** true when the field matches any of the globs */
  | { readonly kind: 'matches'; readonly field: FieldRef; readonly globs: readonly Glob[]; readonly range: SourceRange }
  /** a bool field is true */
  | { readonly kind: 'is'; readonly field: FieldRef; readonly range: SourceRange }
  /** a `let` condition, expanded in place; the name is kept for `rules explain` */
  | { readonly kind: 'let'; readonly name: string; readonly condition: Condition; readonly range: SourceRange };

/** Events of one kind that pass `condition` and none of `except`. */
export interface Selection {
  readonly event: string;
  readonly condition: Condition;
  /** each an exception in its own right: an event matching any one is dropped */
  readonly except: readonly Condition[];
}

export interface Action {
  readonly notifier: string;
  readonly args: readonly string[];
  readonly range: SourceRange;
}

export type Aggregate =
  /** events in the window */
  | { readonly fn: 'count' }
  /** events per second, averaged over the window */
  | { readonly fn: 'rate' }
  | { readonly fn: 'sum' | 'max'; readonly field: FieldRef }
  /** number of distinct values of the field in the window */
  | { readonly fn: 'distinct'; readonly field: FieldRef };

interface RuleBase {
  /** unique in the rule set; generated for one-liners (see `generated`) */
  readonly name: string;
  readonly generated: boolean;
  readonly file: string;
  readonly range: SourceRange;
  readonly severity: Severity;
  /** from the rule's `labels`; identity, never values */
  readonly labels: Readonly<Record<string, string>>;
  readonly summary: Template;
  /** the rule's `description`, for the person paged; rendered like the summary */
  readonly description?: Template;
  /** the rule's `runbook`: an http(s) URL */
  readonly runbook?: string;
  /** minimum time between two notifications for the same alert */
  readonly cooldownMs: number;
  readonly actions: readonly Action[];
}

/** Fires on each matching event (folded per cooldown into one alert). */
export interface EventRule extends RuleBase {
  readonly kind: 'event';
  readonly selection: Selection;
  /** `by` fields: one alert per distinct value, its identity labels; none: one alert per rule */
  readonly groupBy: readonly FieldRef[];
}

/** `count(process.fork) > 500 within 10s by cgroup`. */
export interface WindowRule extends RuleBase {
  readonly kind: 'window';
  readonly selection: Selection;
  readonly aggregate: Aggregate;
  readonly op: CompareOp;
  /** count: events; rate: events/s; sum/max: the field's unit (bytes, ns); distinct: values */
  readonly threshold: number;
  readonly windowMs: number;
  /** group-by fields, in order; the alert's identity labels */
  readonly groupBy: readonly FieldRef[];
  /** the condition must hold this long before firing (0: at once) */
  readonly forMs: number;
  /** keep firing this long after the condition clears (0: resolve at once) */
  readonly keepFiringForMs: number;
}

/** `first` then `second` with equal `match` fields within `withinMs`. */
interface PairRule extends RuleBase {
  readonly first: Selection;
  readonly second: Selection;
  /** fields equal on both events (same name, same type on both); the alert's identity labels */
  readonly match: readonly FieldRef[];
  readonly withinMs: number;
}

/** `cgroup.freeze not followed by cgroup.unfreeze within 5m by cgroup`: fires at the deadline when no `second` came. */
export interface AbsenceRule extends PairRule {
  readonly kind: 'absence';
}

/** `process.newtask followed by process.exit ... within 2s by pid`: fires when `second` comes in time. */
export interface SequenceRule extends PairRule {
  readonly kind: 'sequence';
}

export type CheckedRule = EventRule | WindowRule | AbsenceRule | SequenceRule;
