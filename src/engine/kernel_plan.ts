/**
 * The compiler's first half: from checked rules to what the kernel does.
 * Each selection of a rule (one for event and window rules, two for
 * sequences and absences) gets a bit. Its top-level `and` terms are placed in
 * the kernel when the kernel can decide them exactly (cgroup subtrees, comm
 * and uid sets, numeric thresholds on record fields) and in userspace
 * otherwise; userspace always re-checks the whole condition, so the kernel
 * only ever drops events no rule can want. A window counting a high-rate
 * event whose condition the kernel decides entirely is counted in the kernel
 * (tier 2) and sends no records at all.
 */
import { eventByName } from '../events/catalog';
import { PATH_CACHE_EVENTS } from '../events/cgroup_paths';
import { memberOfField } from '../events/layout';
import type { EventSpec } from '../events/types';
import type { Aggregate, CheckedRule, CompareOp, Condition, FieldRef, Selection, Value, WindowRule } from '../dsl';
import { entriesForTree, globIsExact, GlobStateBuilder } from '../kernel/cgroup_globs';
import { commPatternOf, type CommMatch, type CommPattern } from '../kernel/comm_patterns';
import type { Comparison, GroupBy, KernelAggregate, KernelRuleSet, Threshold } from '../kernel/kernel_rule_set';
import { kindFilter, PASS_ALL_RULE } from '../kernel/kernel_rule_set';
import { LIMITS } from '../kernel/limits';
import { printCondition } from './print_condition';

/** `gone`: the cgroup an absence waits on was removed, so its second event can never come. */
export type Role = 'event' | 'window' | 'first' | 'second' | 'gone';
export type Tier = 'kernel' | 'kernel count' | 'userspace';

export interface Placement {
  /** the term, in the rule language */
  readonly term: string;
  readonly tier: Tier;
  /** how, or why not */
  readonly detail: string;
}

export interface SelectionPlan {
  readonly rule: CheckedRule;
  readonly role: Role;
  readonly selection: Selection;
  readonly spec: EventSpec;
  /** bit in the kernel's rule masks */
  readonly bit: number;
  /** counted in the kernel (tier 2): no records come for it */
  readonly counted: boolean;
  readonly groupBy: GroupBy;
  /** how, when counted */
  readonly aggregate?: KernelAggregate;
  readonly placements: readonly Placement[];
}

export interface KernelPlan {
  readonly selections: readonly SelectionPlan[];
  readonly kernel: KernelRuleSet;
  /** catalog names of the events to attach */
  readonly events: readonly string[];
}

/** Bits 0..61 are one selection each; later selections share bit 62 and filter in userspace only. */
const SHARED_BIT = PASS_ALL_RULE - 1;

interface MutableKind {
  rules: bigint;
  byCgroup: bigint;
  byComm: bigint;
  byUid: bigint;
  byThreshold: bigint;
  counted: bigint;
  exceptCgroup: bigint;
  exceptComm: bigint;
}

/** `cgroupTree`: every v2 cgroup now, [id, path] (CgroupPaths.tree(0)). */
export function planKernel(rules: readonly CheckedRule[], cgroupTree: ReadonlyArray<readonly [bigint, string]>): KernelPlan {
  const builder = new Builder(cgroupTree);
  const selections: SelectionPlan[] = [];
  for (const rule of rules) {
    for (const [role, selection] of selectionsOf(rule)) selections.push(builder.add(rule, role, selection, selections.length));
  }
  return { selections, kernel: builder.result(), events: [...new Set(selections.map((s) => s.spec.name))] };
}

export function selectionsOf(rule: CheckedRule): Array<[Role, Selection]> {
  switch (rule.kind) {
    case 'event':
      return [['event', rule.selection]];
    case 'window':
      return [['window', rule.selection]];
    case 'sequence':
      return [
        ['first', rule.first],
        ['second', rule.second],
      ];
    case 'absence':
      return [
        ['first', rule.first],
        ['second', rule.second],
        ...(rule.match.some((f) => f.name === 'cgroup') ? [['gone', CGROUP_REMOVED] as [Role, Selection]] : []),
      ];
  }
}

const CGROUP_REMOVED: Selection = { event: 'cgroup.rmdir', condition: { kind: 'true' }, except: [] };

/** The top-level `and` terms of a condition, `let`s opened. */
function conjuncts(c: Condition): Condition[] {
  if (c.kind === 'and') return c.items.flatMap(conjuncts);
  if (c.kind === 'let') return conjuncts(c.condition);
  if (c.kind === 'true') return [];
  return [c];
}

class Builder {
  private readonly kinds = new Map<number, MutableKind>();
  private readonly globs = new GlobStateBuilder();
  private readonly comms = new Map<string, { accept: bigint; reject: bigint }>();
  /** keyed by match and text, so that rules with the same glob share a slot */
  private readonly commPatterns = new Map<string, CommPattern>();
  private readonly uids = new Map<number, bigint>();
  private readonly thresholds: Threshold[] = [];
  private readonly aggregates = new Map<number, KernelAggregate>();
  constructor(private readonly tree: ReadonlyArray<readonly [bigint, string]>) {}

  add(rule: CheckedRule, role: Role, selection: Selection, index: number): SelectionPlan {
    const spec = eventByName(selection.event);
    if (!spec) throw new Error(`checked rule ${rule.name} names unknown event ${selection.event}`);
    const bit = Math.min(index, SHARED_BIT);
    const mask = 1n << BigInt(bit);
    const kind = this.kindOf(spec.kind);
    kind.rules |= mask;
    const placements: Placement[] = [];
    const shared = bit === SHARED_BIT;
    let exact = !shared;
    const used = new Set<string>();
    for (const term of conjuncts(selection.condition)) {
      const placed = shared ? undefined : this.place(term, spec, bit, kind, used);
      if (placed) {
        placements.push({ term: printCondition(term), tier: 'kernel', detail: placed.detail });
        exact &&= placed.exact;
      } else {
        placements.push({
          term: printCondition(term),
          tier: 'userspace',
          detail: shared ? 'more than 62 selections: no kernel bit left' : 'not decidable in the kernel',
        });
        exact = false;
      }
    }
    for (const e of selection.except) {
      const placed = shared ? undefined : this.placeException(e, spec, mask, kind);
      placements.push({
        term: `except ${printCondition(e)}`,
        tier: placed ? 'kernel' : 'userspace',
        detail: placed ?? 'exceptions other than comm names, comm globs with a star at one end and exact cgroup globs are checked in userspace',
      });
      exact &&= placed !== undefined;
    }
    const groupBy = rule.kind === 'window' ? kernelGroupBy(rule.groupBy, spec) : undefined;
    const aggregate = rule.kind === 'window' && spec.highRate && exact && groupBy !== undefined ? kernelAggregate(rule.aggregate, spec, groupBy) : undefined;
    const counted = aggregate !== undefined;
    if (aggregate) {
      kind.counted |= mask;
      this.aggregates.set(bit, aggregate);
      const what = aggregate.sum
        ? `per-CPU counters and sums of ${aggregate.sum.field}`
        : aggregate.max
          ? `per-CPU counters and the largest ${aggregate.max.field} of each tick`
          : 'per-CPU counters';
      placements.push({
        term: printAggregate((rule as WindowRule).aggregate, spec),
        tier: 'kernel count',
        detail: `${what} per ${aggregate.groupBy === 'none' ? 'rule' : aggregate.groupBy}, read every tick`,
      });
    }
    return { rule, role, selection, spec, bit, counted, groupBy: groupBy ?? 'none', ...(aggregate ? { aggregate } : {}), placements };
  }

  result(): KernelRuleSet {
    // the path cache must learn a new cgroup before its first event is decoded, and forget it once
    // released, whether a rule wants these records or not: the reserved bit routes them to no rule
    for (const name of PATH_CACHE_EVENTS) this.kindOf((eventByName(name) as EventSpec).kind).rules |= 1n << BigInt(PASS_ALL_RULE);
    const globStates = this.globs.states();
    const globRoot = this.globs.rootEntry();
    return {
      kinds: new Map([...this.kinds].map(([k, v]) => [k, { ...v }])),
      globStates,
      globRoot,
      cgroups: entriesForTree(globStates, globRoot, this.tree),
      comms: this.comms,
      commPatterns: [...this.commPatterns.values()],
      uids: this.uids,
      thresholds: this.thresholds,
      aggregates: this.aggregates,
    };
  }

  private kindOf(kind: number): MutableKind {
    let k = this.kinds.get(kind);
    if (!k) {
      k = kindFilter(0n);
      this.kinds.set(kind, k);
    }
    return k;
  }

  /** Puts `term` in the kernel if it can; `used` keeps one term per map dimension. */
  private place(term: Condition, spec: EventSpec, bit: number, kind: MutableKind, used: Set<string>): { detail: string; exact: boolean } | undefined {
    const mask = 1n << BigInt(bit);
    if ((term.kind === 'matches' || term.kind === 'compare' || term.kind === 'in') && term.field.name === 'cgroup' && !used.has('cgroup')) {
      const globs = cgroupGlobs(term);
      if (!globs) return undefined;
      if (globs.includes('/**')) return { detail: 'matches every cgroup: nothing to filter', exact: true };
      const placed = this.placeCgroups(globs, mask);
      if (!placed) return undefined;
      used.add('cgroup');
      kind.byCgroup |= mask;
      const v1 = spec.subject === 'cgroup' ? '; v1 cgroup events pass to userspace' : '';
      const widened = placed.exact ? '' : '; segments the kernel cannot compare pass as any name';
      return {
        detail: `cgroup globs: ${placed.states} states, followed by name as cgroups come and go${widened}${v1}`,
        exact: placed.exact && spec.subject !== 'cgroup',
      };
    }
    if (term.kind !== 'true' && 'field' in term && term.field.name === 'comm' && !used.has('comm')) {
      const comms = this.commsOf(term);
      if (comms === 'all') return { detail: 'matches every comm: nothing to filter', exact: true };
      if (comms) {
        used.add('comm');
        kind.byComm |= mask;
        this.markComms(comms, mask, 'accept');
        return { detail: describeComms(comms), exact: true };
      }
    }
    const values = listedValues(term);
    if (values && 'field' in term && term.field.name === 'uid' && !used.has('uid')) {
      used.add('uid');
      kind.byUid |= mask;
      for (const v of values)
        if (v.type === 'number' && Number.isInteger(v.value) && v.value >= 0) this.uids.set(v.value, (this.uids.get(v.value) ?? 0n) | mask);
      return { detail: `uid_rules: ${values.length} uid${values.length === 1 ? '' : 's'}`, exact: true };
    }
    if (term.kind === 'compare' || term.kind === 'is') {
      const t = threshold(term, spec, bit);
      if (t && this.thresholds.length < LIMITS.KW_MAX_THRESHOLDS) {
        this.thresholds.push(t);
        kind.byThreshold |= mask;
        return { detail: `thresholds: record bytes ${t.offset}..${t.offset + t.size - 1} ${t.cmp} ${t.value}`, exact: true };
      }
    }
    return undefined;
  }

  /**
   * An `except cgroup matches ...` (or == / in) in the kernel: its globs
   * reject the rule in the cgroups they match. Only globs the kernel
   * compares exactly, on events about a task (a v1 cgroup event carries no
   * v2 cgroup to look up): a widened glob would refuse events the rule wants.
   * Undefined: userspace checks it.
   */
  private placeException(term: Condition, spec: EventSpec, mask: bigint, kind: MutableKind): string | undefined {
    if (!('field' in term)) return undefined;
    if (term.field.name === 'comm') {
      const comms = this.commsOf(term);
      if (!comms || comms === 'all') return undefined;
      this.markComms(comms, mask, 'reject');
      kind.exceptComm |= mask;
      return `${describeComms(comms)} rejecting the rule`;
    }
    if (spec.subject === 'cgroup' || term.field.name !== 'cgroup') return undefined;
    const globs = cgroupGlobs(term);
    if (!globs || !globs.every(globIsExact)) return undefined;
    if (!this.globs.fits(globs)) return undefined;
    for (const glob of globs) this.globs.add(glob, mask, 'reject');
    kind.exceptCgroup |= mask;
    return `cgroup globs rejecting the rule: followed by name as cgroups come and go`;
  }

  /**
   * What a comm term compares, as names for `comm_rules` and patterns for
   * `comm_patterns`; 'all' when it matches every comm; undefined when the
   * kernel cannot compare one of its values or the patterns would not fit.
   */
  private commsOf(term: Condition): KernelComms | 'all' | undefined {
    if (term.kind !== 'matches') {
      const names = stringValues(term);
      return names ? { names, patterns: [] } : undefined;
    }
    const globs = term.globs.map((g) => g.pattern);
    if (globs.includes('*')) return 'all';
    const comms: { names: string[]; patterns: Array<{ match: CommMatch; text: string }> } = { names: [], patterns: [] };
    for (const glob of globs) {
      if (!/[*?]/.test(glob)) {
        comms.names.push(glob);
        continue;
      }
      const pattern = commPatternOf(glob);
      if (!pattern) return undefined;
      if (!pattern.never) comms.patterns.push({ match: pattern.match, text: pattern.text });
    }
    const added = new Set(comms.patterns.map(patternKey).filter((k) => !this.commPatterns.has(k)));
    return this.commPatterns.size + added.size <= LIMITS.KW_MAX_COMM_PATTERNS ? comms : undefined;
  }

  /**
   * The names and patterns of `comms` for the rules in `mask`. The kernel's
   * comm has at most 15 bytes: a longer name never equals one, so it needs no entry.
   */
  private markComms(comms: KernelComms, mask: bigint, role: 'accept' | 'reject'): void {
    for (const comm of comms.names) {
      if (Buffer.byteLength(comm) >= LIMITS.KW_COMM_LEN) continue;
      const entry = this.comms.get(comm) ?? { accept: 0n, reject: 0n };
      this.comms.set(comm, { ...entry, [role]: entry[role] | mask });
    }
    for (const p of comms.patterns) {
      const entry = this.commPatterns.get(patternKey(p)) ?? { ...p, accept: 0n, reject: 0n };
      this.commPatterns.set(patternKey(p), { ...entry, [role]: entry[role] | mask });
    }
  }

  /** All of `globs` as kernel glob states, or undefined when they do not fit (userspace decides). */
  private placeCgroups(globs: readonly string[], mask: bigint): { states: number; exact: boolean } | undefined {
    const before = this.globs.size;
    if (!this.globs.fits(globs)) return undefined;
    let exact = true;
    for (const glob of globs) exact = (this.globs.add(glob, mask)?.exact ?? false) && exact;
    return { states: this.globs.size - before, exact };
  }
}

interface KernelComms {
  readonly names: readonly string[];
  readonly patterns: ReadonlyArray<{ readonly match: CommMatch; readonly text: string }>;
}

const patternKey = (p: { readonly match: CommMatch; readonly text: string }): string => `${p.match}:${p.text}`;

function describeComms(comms: KernelComms): string {
  const parts = [];
  if (comms.names.length > 0 || comms.patterns.length === 0) parts.push(`comm_rules: ${comms.names.length} comm${comms.names.length === 1 ? '' : 's'}`);
  const prefixes = comms.patterns.filter((p) => p.match === 'prefix').length;
  const suffixes = comms.patterns.length - prefixes;
  if (prefixes > 0) parts.push(`${prefixes} comm prefix${prefixes === 1 ? '' : 'es'}`);
  if (suffixes > 0) parts.push(`${suffixes} comm suffix${suffixes === 1 ? '' : 'es'}`);
  return parts.join(', ');
}

/** The values of `field == v` or `field in [...]`; undefined for any other term. */
function listedValues(term: Condition): readonly Value[] | undefined {
  if (term.kind === 'compare' && term.op === '==') return [term.value];
  return term.kind === 'in' ? term.values : undefined;
}

/** listedValues() when every one is a string. */
function stringValues(term: Condition): string[] | undefined {
  const values = listedValues(term);
  return values?.every((v) => v.type === 'string') ? values.map((v) => v.value) : undefined;
}

function cgroupGlobs(term: Condition): string[] | undefined {
  return term.kind === 'matches' ? term.globs.map((g) => g.pattern) : stringValues(term);
}

function kernelGroupBy(fields: readonly FieldRef[], spec: EventSpec): GroupBy | undefined {
  if (fields.length === 0) return 'none';
  if (fields.length > 1) return undefined;
  const name = fields[0]?.name;
  if (name === 'cgroup' && spec.subject !== 'cgroup') return 'cgroup';
  if (name === 'tgid') return 'tgid';
  if (name === 'uid') return 'uid';
  return undefined;
}

/** `count(process.fork)`, `max(process.exit.exit_status)`: the aggregate as a rule writes it. */
function printAggregate(a: Aggregate, spec: EventSpec): string {
  return `${a.fn}(${spec.name}${'field' in a ? `.${a.field.name}` : ''})`;
}

/**
 * count and rate need only counters; sum and max need their field to be one
 * C member. distinct would need a set of values per group in the kernel,
 * and stays in userspace.
 */
function kernelAggregate(a: Aggregate, spec: EventSpec, groupBy: GroupBy): KernelAggregate | undefined {
  if (a.fn === 'count' || a.fn === 'rate') return { groupBy };
  if (a.fn !== 'sum' && a.fn !== 'max') return undefined;
  const member = kernelComparable(spec, a.field.name);
  const size = member ? SIZE[member.ctype] : undefined;
  if (!member || !size) return undefined;
  const field = { offset: member.offset, size, signed: member.ctype.startsWith('s'), scale: member.scale ?? 1, field: a.field.name };
  return a.fn === 'sum' ? { groupBy, sum: field } : { groupBy, max: field };
}

/**
 * The C member of a field whose raw value means what the field does. A
 * member with an `unknown` value (mem.pcpu_drain's pfn from the fallback
 * program) is decoded as -1 but holds 2^64-1 in the kernel: compared or
 * aggregated there it would disagree with userspace.
 */
function kernelComparable(spec: EventSpec, field: string): ReturnType<typeof memberOfField> {
  const member = memberOfField(spec, field);
  return member && member.unknown === undefined ? member : undefined;
}

const CMP: Record<CompareOp, Comparison> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
const SIZE: Record<string, 1 | 2 | 4 | 8> = { u16: 2, s16: 2, u32: 4, s32: 4, u64: 8 };

/**
 * A numeric comparison on a field that is one C member, rewritten in the
 * member's raw units: `anon_rss > 1GiB` on a KiB member is `raw > 1048576`.
 */
function threshold(term: Condition, spec: EventSpec, rule: number): Threshold | undefined {
  if (term.kind !== 'compare' && term.kind !== 'is') return undefined;
  const member = kernelComparable(spec, term.field.name);
  const size = member ? SIZE[member.ctype] : undefined;
  if (!member || !size) return undefined;
  const signed = member.ctype.startsWith('s');
  const base = { kind: spec.kind, offset: member.offset, size, signed, rule };
  if (term.kind === 'is') return { ...base, cmp: 'ne', value: 0n };
  const raw = rawValue(term.value);
  if (raw === undefined) return undefined;
  const scale = member.scale ?? 1;
  const scaled = raw / scale;
  const cmp = CMP[term.op];
  let value: number;
  switch (term.op) {
    case '>':
    case '<=':
      value = Math.floor(scaled);
      break;
    case '>=':
    case '<':
      value = Math.ceil(scaled);
      break;
    default:
      if (!Number.isInteger(scaled)) return undefined; // never / always true: let userspace say so
      value = scaled;
  }
  if (!signed && value < 0) return undefined;
  if (!Number.isSafeInteger(value)) return undefined;
  return { ...base, cmp, value: BigInt(value) };
}

function rawValue(v: Value): number | undefined {
  switch (v.type) {
    case 'number':
      return v.value;
    case 'bool':
      return v.value ? 1 : 0;
    case 'enum':
      return v.index;
    default:
      return undefined;
  }
}
