/**
 * One rule's AST -> CheckedRule: clauses counted, names resolved, units
 * converted, defaults filled in. All problems are reported; a rule with any
 * error yields undefined.
 */
import { EVENTS, eventByName, fieldsOf } from '../events/catalog';
import type { EventSpec, FieldSpec, Unit } from '../events/types';
import type * as A from './ast';
import type { Action, Aggregate, Severity, CheckedRule, Condition, FieldRef, Selection, SequenceRule, WindowRule } from './checked_rule';
import { ConditionChecker, type LetEntry, fieldRef, resolveField } from './check_condition';
import { checkTemplate, defaultSummary, type TemplateScope } from './check_template';
import type { SourceRange } from './source_range';
import { didYouMean } from './suggest';
import { formatDuration, parseNumber } from './units';

export const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
export const DEFAULT_SEVERITY: Severity = 'warning';
export const DEFAULT_COOLDOWN_MS = 5 * 60_000;
export const BUILTIN_NOTIFIERS: ReadonlySet<string> = new Set(['stdout']);
export const AGGREGATES = ['count', 'rate', 'sum', 'max', 'distinct'] as const;
/** Labels the engine sets itself (see Alert.labels). */
const RESERVED_LABELS = new Set(['alertname', 'rule', 'host', 'severity', 'instance', 'job']);
const MAX_WINDOW_MS = 24 * 3_600_000;
const MAX_COOLDOWN_MS = 7 * 24 * 3_600_000;
const MIN_WINDOW_MS = 100;

export interface RuleScope {
  readonly file: string;
  readonly lets: ReadonlyMap<string, LetEntry>;
  readonly notifiers?: ReadonlySet<string>;
  readonly checkAction?: (notifier: string, args: readonly string[]) => string | undefined;
  readonly error: (file: string, range: SourceRange, message: string) => void;
}

type ClauseOf<K extends A.ClauseKind> = Extract<A.Clause, { kind: K }>;

/** The part of a rule its trigger decides, before the clauses common to all kinds. */
interface Core {
  /** the kind-specific fields of the CheckedRule */
  readonly parts:
    | { readonly kind: 'event'; readonly selection: Selection; readonly groupBy: readonly FieldRef[] }
    | ({ readonly kind: 'window' } & Pick<WindowRule, 'selection' | 'aggregate' | 'op' | 'threshold' | 'windowMs' | 'groupBy'>)
    | ({ readonly kind: 'absence' | 'sequence' } & Pick<SequenceRule, 'first' | 'second' | 'match' | 'withinMs'>);
  /** group-by or match fields: the alert's identity labels */
  readonly identity: readonly FieldRef[];
  readonly templateScope: TemplateScope;
}

export class RuleChecker {
  private failed = false;

  constructor(
    private readonly scope: RuleScope,
    private readonly rule: A.RuleDecl,
  ) {}

  /** `name` is the rule's final name (given or generated). */
  check(name: string, generated: boolean): CheckedRule | undefined {
    const when = this.single('when');
    const then = this.single('then');
    const forClause = this.single('for');
    const keep = this.single('keep');
    const severityClause = this.single('severity');
    const summaryClause = this.single('summary');
    const descriptionClause = this.single('description');
    const runbookClause = this.single('runbook');
    const labelsClause = this.single('labels');
    const cooldownClause = this.single('cooldown');
    if (!when) return this.fail(this.rule.range, "rule has no 'when'");
    if (!then) this.error(this.rule.range, "rule has no 'then': name a notifier ('then stdout' always works)");
    const excepts = this.rule.clauses.filter((c): c is ClauseOf<'except'> => c.kind === 'except').flatMap((c) => c.conditions);

    const severity = this.severity(severityClause);
    const cooldownMs = cooldownClause ? this.duration(cooldownClause.duration, 'cooldown', 0, MAX_COOLDOWN_MS) : DEFAULT_COOLDOWN_MS;
    const actions = then ? this.actions(then) : [];
    const t = when.trigger;
    const forMs = forClause && t.kind === 'window' ? this.duration(forClause.duration, 'for', 0, MAX_WINDOW_MS) : 0;
    const keepFiringForMs = keep && t.kind === 'window' ? this.duration(keep.duration, 'keep firing for', 0, MAX_WINDOW_MS) : 0;
    if (t.kind !== 'window') {
      if (forClause)
        this.error(
          forClause.range,
          `'for' needs a window rule (count(...) > N within D): ${t.kind === 'event' ? 'an event rule fires on each event' : 'a sequence fires at once'}`,
        );
      if (keep) this.error(keep.range, "'keep firing for' needs a window rule; an event rule's alert stays open through its cooldown");
    }
    const core = t.kind === 'event' ? this.eventCore(t, excepts) : t.kind === 'window' ? this.window(t, excepts) : this.sequence(t, excepts);
    const labels = labelsClause ? this.labels(labelsClause, core?.identity ?? []) : {};
    if (!core) return undefined;
    const summary = summaryClause
      ? checkTemplate(summaryClause.template, core.templateScope, (range, message) => this.error(range, message))
      : defaultSummary(t, core.identity);
    const description =
      descriptionClause && checkTemplate(descriptionClause.template, core.templateScope, (range, message) => this.error(range, message), 'description');
    const runbook = runbookClause && this.runbook(runbookClause.url);
    if (this.failed || !summary) return undefined;

    // one object literal per kind: spreading rules of different shapes is slow in V8
    const common = {
      name,
      generated,
      file: this.scope.file,
      range: this.rule.range,
      severity,
      labels,
      summary,
      ...(description ? { description } : {}),
      ...(runbook ? { runbook } : {}),
      cooldownMs,
      actions,
    };
    const k = core.parts;
    switch (k.kind) {
      case 'event':
        return { kind: 'event', ...common, selection: k.selection, groupBy: k.groupBy };
      case 'window': {
        const { selection, aggregate, op, threshold, windowMs, groupBy } = k;
        return { kind: 'window', ...common, selection, aggregate, op, threshold, windowMs, groupBy, forMs, keepFiringForMs };
      }
      default:
        return { kind: k.kind, ...common, first: k.first, second: k.second, match: k.match, withinMs: k.withinMs };
    }
  }

  private error(range: SourceRange, message: string): void {
    this.failed = true;
    this.scope.error(this.scope.file, range, message);
  }

  private fail(range: SourceRange, message: string): undefined {
    this.error(range, message);
    return undefined;
  }

  /** The clause of this kind, reporting a second one. */
  private single<K extends A.ClauseKind>(kind: K): ClauseOf<K> | undefined {
    const all = this.rule.clauses.filter((c): c is ClauseOf<K> => c.kind === kind);
    for (const extra of all.slice(1)) {
      const what = kind === 'keep' ? 'keep firing for' : kind;
      this.error(extra.range, `a second '${what}' in one rule${kind === 'then' ? "; list notifiers with commas: 'then a, b'" : ''}`);
    }
    return all[0];
  }

  /** A runbook is a page someone opens at 3 a.m.: an absolute http(s) URL, or an error where it is written. */
  private runbook(lit: A.StringLiteral): string | undefined {
    let url: URL | undefined;
    try {
      url = new URL(lit.value);
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
      return this.fail(lit.range, `runbook must be an http(s) URL, such as "https://wiki.example.com/runbooks/oom"`);
    }
    return lit.value;
  }

  private severity(c: ClauseOf<'severity'> | undefined): Severity {
    if (!c) return DEFAULT_SEVERITY;
    const found = SEVERITIES.find((s) => s === c.level.text);
    if (!found) this.error(c.level.range, `unknown severity '${c.level.text}'${didYouMean(c.level.text, SEVERITIES)}; one of: ${SEVERITIES.join(', ')}`);
    return found ?? DEFAULT_SEVERITY;
  }

  private duration(lit: A.NumberLiteral, what: string, min: number, max: number): number {
    const n = parseNumber(lit.text);
    if (typeof n === 'string') return (this.error(lit.range, n), 0);
    if (n.quantity !== 'duration') return (this.error(lit.range, `${what} takes a duration with a unit (e.g. 30s, 5m), not '${lit.text}'`), 0);
    if (n.value < min || n.value > max) {
      this.error(lit.range, `${what} ${lit.text} is out of range (${formatDuration(min)} to ${formatDuration(max)})`);
    }
    return n.value;
  }

  private actions(c: ClauseOf<'then'>): Action[] {
    const seen = new Set<string>();
    const known = this.scope.notifiers;
    return c.actions.map((a) => {
      const name = a.notifier.text;
      const args = a.args.map((s) => s.value);
      const problem = this.scope.checkAction?.(name, args);
      if (problem) this.error(a.notifier.range, problem);
      else if (known && !known.has(name) && !BUILTIN_NOTIFIERS.has(name)) {
        const all = [...known, ...BUILTIN_NOTIFIERS];
        this.error(a.notifier.range, `unknown notifier '${name}'${didYouMean(name, all)}; the config defines: ${all.join(', ')}`);
      }
      const key = JSON.stringify([name, args]);
      if (seen.has(key)) this.error(a.range, `'${name}' is already notified with the same arguments`);
      seen.add(key);
      return { notifier: name, args, range: a.range };
    });
  }

  private labels(c: ClauseOf<'labels'>, identityFields: readonly FieldRef[]): Record<string, string> {
    const out: Record<string, string> = {};
    const identity = new Set(identityFields.map((f) => f.name));
    for (const p of c.pairs) {
      const key = p.key.text;
      if (!/^[a-z_][a-z0-9_]*$/.test(key)) this.error(p.key.range, `label name '${key}' must be lower_snake_case`);
      else if (RESERVED_LABELS.has(key)) this.error(p.key.range, `label '${key}' is set by kernwatch itself`);
      else if (identity.has(key)) this.error(p.key.range, `label '${key}' is set from the rule's 'by' field of the same name`);
      else if (key in out) this.error(p.key.range, `label '${key}' is given twice`);
      // labels are identity: an event value in one would make an alert per value, unbounded
      if (/\{[a-z_][a-z0-9_]*\}/.test(p.value.value)) {
        this.error(
          p.value.range,
          `label values are fixed strings: "${p.value.value}" would be sent as written; an event value becomes a label as a 'by' field`,
        );
      }
      out[key] = p.value.value;
    }
    return out;
  }

  private event(name: A.Name): EventSpec | undefined {
    const e = eventByName(name.text);
    if (!e)
      this.error(
        name.range,
        `unknown event '${name.text}'${didYouMean(
          name.text,
          EVENTS.map((x) => x.name),
        )} (see 'kernwatch events')`,
      );
    return e;
  }

  private conditionChecker(event: EventSpec): ConditionChecker {
    return new ConditionChecker({
      event,
      lets: this.scope.lets,
      file: this.scope.file,
      error: (file, range, message) => {
        this.failed = true;
        this.scope.error(file, range, message);
      },
      failQuietly: () => {
        this.failed = true;
      },
    });
  }

  private selection(s: A.Selector, excepts: readonly A.Expr[], eventOverride?: EventSpec): { selection: Selection; event: EventSpec } | undefined {
    const event = eventOverride ?? this.event(s.event);
    if (!event) return undefined;
    const checker = this.conditionChecker(event);
    const condition: Condition | undefined = s.filter ? checker.check(s.filter) : { kind: 'true' };
    const except = excepts.map((e) => checker.check(e));
    if (!condition || except.some((e) => e === undefined)) return undefined;
    return { selection: { event: event.name, condition, except: except as Condition[] }, event };
  }

  private eventCore(t: Extract<A.Trigger, { kind: 'event' }>, excepts: readonly A.Expr[]): Core | undefined {
    const selected = this.selection(t.selector, excepts);
    if (!selected) return undefined;
    const groupBy = this.groupFields(t.by, [selected.event], 'one alert per');
    if (!groupBy) return undefined;
    return {
      parts: { kind: 'event', selection: selected.selection, groupBy },
      identity: groupBy,
      templateScope: { kind: 'event', event: selected.event, groupBy },
    };
  }

  private groupFields(names: readonly A.Name[], events: readonly EventSpec[], what: string): FieldRef[] | undefined {
    const out: FieldRef[] = [];
    let ok = true;
    for (const n of names) {
      const specs: FieldSpec[] = [];
      for (const e of events) {
        const f = resolveField(e, this.scope.lets, n.text);
        if (typeof f === 'string') this.error(n.range, f);
        else specs.push(f);
      }
      const f = specs[0];
      if (!f || specs.length !== events.length) ok = false;
      else {
        const problem =
          f.type === 'address'
            ? `${what} a raw kernel address (${f.name}) would make one group per page`
            : specs.some((g) => g.type !== f.type)
              ? `${f.name} has different types on ${events.map((e) => e.name).join(' and ')}`
              : out.some((g) => g.name === f.name)
                ? `${f.name} is listed twice`
                : undefined;
        if (problem) {
          this.error(n.range, problem);
          ok = false;
        } else out.push(fieldRef(f));
      }
    }
    return ok ? out : undefined;
  }

  private window(t: Extract<A.Trigger, { kind: 'window' }>, excepts: readonly A.Expr[]): Core | undefined {
    const fn = AGGREGATES.find((a) => a === t.fn.text);
    if (!fn) return this.fail(t.fn.range, `unknown aggregation '${t.fn.text}'${didYouMean(t.fn.text, AGGREGATES)}; one of: ${AGGREGATES.join(', ')}`);
    const target = t.selector.event;
    let event = eventByName(target.text);
    let aggregate: Aggregate;
    if (fn === 'count' || fn === 'rate') {
      if (!event) {
        const cut = target.text.lastIndexOf('.');
        if (cut > 0 && eventByName(target.text.slice(0, cut))) {
          return this.fail(target.range, `${fn} counts events and takes no field: ${fn}(${target.text.slice(0, cut)})`);
        }
        event = this.event(target);
      }
      aggregate = { fn };
    } else if (event) {
      return this.fail(target.range, `${fn} needs a field of the event: ${fn}(${event.name}.${exampleField(event, fn)})`);
    } else {
      const cut = target.text.lastIndexOf('.');
      event = this.event({ ...target, text: cut > 0 ? target.text.slice(0, cut) : target.text });
      if (!event) return undefined;
      const f = resolveField(event, new Map(), target.text.slice(cut + 1));
      if (typeof f === 'string') return this.fail(target.range, f);
      if (f.type === 'address') return this.fail(target.range, `${f.name} is a raw kernel address; it cannot be aggregated`);
      if (fn !== 'distinct' && f.type !== 'number') return this.fail(target.range, `${fn} needs a number field; ${f.name} is a ${f.type}`);
      aggregate = { fn, field: fieldRef(f) };
    }
    if (!event) return undefined;
    const selected = this.selection(t.selector, excepts, event);
    const threshold = this.threshold(t, aggregate);
    if (!t.within) return this.fail(t.fn.range, `${fn}() is an aggregation and needs a window: add 'within 1m' after the threshold`);
    const windowMs = this.duration(t.within, 'within', MIN_WINDOW_MS, MAX_WINDOW_MS);
    const groupBy = this.groupFields(t.by, [event], 'grouping by');
    if (!selected || threshold === undefined || !groupBy) return undefined;
    return {
      parts: { kind: 'window', selection: selected.selection, aggregate, op: t.op, threshold, windowMs, groupBy },
      identity: groupBy,
      templateScope: { kind: 'window', event, groupBy, ...valueUnit(aggregate) },
    };
  }

  private threshold(t: Extract<A.Trigger, { kind: 'window' }>, aggregate: Aggregate): number | undefined {
    const lit = t.threshold;
    if (lit.kind !== 'number') return this.fail(lit.range, `the threshold of ${aggregate.fn}() is a number`);
    const n = parseNumber(lit.text);
    if (typeof n === 'string') return this.fail(lit.range, n);
    const unit = 'field' in aggregate ? aggregate.field.unit : undefined;
    const wants = aggregate.fn === 'sum' || aggregate.fn === 'max' ? (unit === 'bytes' ? 'bytes' : unit === 'ns' ? 'duration' : 'plain') : 'plain';
    if (n.quantity !== 'plain' && n.quantity !== wants) {
      const hint = aggregate.fn === 'rate' ? ' (rate is events per second)' : '';
      return this.fail(lit.range, `'${lit.text}' has a unit, but ${aggregate.fn}() gives ${wants === 'plain' ? 'a plain number' : wants}${hint}`);
    }
    const value = unit === 'ns' && n.quantity === 'duration' ? n.value * 1e6 : n.value;
    if (!Number.isFinite(value) || value > Number.MAX_SAFE_INTEGER) return this.fail(lit.range, `'${lit.text}' is out of range`);
    const nonNegative = aggregate.fn !== 'sum' && aggregate.fn !== 'max';
    if (nonNegative && (t.op === '<' ? value <= 0 : t.op === '<=' ? value < 0 : false)) {
      return this.fail(t.range, `this can never hold: ${aggregate.fn}() is never negative`);
    }
    return value;
  }

  private sequence(t: Extract<A.Trigger, { kind: 'sequence' }>, excepts: readonly A.Expr[]): Core | undefined {
    const first = this.selection(t.first, excepts);
    const second = this.selection(t.second, []);
    const withinMs = this.duration(t.within, 'within', MIN_WINDOW_MS, MAX_WINDOW_MS);
    if (!first || !second) return undefined;
    const match = this.groupFields(t.by, [first.event, second.event], 'matching on');
    if (!match) return undefined;
    const kind = t.negated ? 'absence' : 'sequence';
    return {
      parts: { kind, first: first.selection, second: second.selection, match, withinMs },
      identity: match,
      templateScope: { kind, event: t.negated ? first.event : second.event, groupBy: match },
    };
  }
}

function valueUnit(a: Aggregate): { valueUnit?: Unit } {
  return (a.fn === 'sum' || a.fn === 'max') && a.field.unit ? { valueUnit: a.field.unit } : {};
}

function exampleField(e: EventSpec, fn: string): string {
  const f = fieldsOf(e).find((x) => (fn === 'distinct' ? x.type !== 'address' : x.type === 'number' && !['pid', 'tgid', 'uid', 'cpu'].includes(x.name)));
  return f?.name ?? 'field';
}
