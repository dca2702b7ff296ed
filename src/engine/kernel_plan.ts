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
import { memberOfField } from '../events/layout';
import type { EventSpec } from '../events/types';
import { pathGlobPrefix } from '../dsl/glob';
import type { Aggregate, CheckedRule, CompareOp, Condition, FieldRef, Selection, Value, WindowRule } from '../dsl/checked_rule';
import type { CgroupRules, Comparison, GroupBy, KernelAggregate, KernelRuleSet, KindFilter, Threshold } from '../kernel/kernel_rule_set';
import { PASS_ALL_RULE } from '../kernel/kernel_rule_set';
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
  private readonly cgroups = new Map<bigint, { match: bigint; children: bigint; descendants: bigint }>();
  private readonly comms = new Map<string, bigint>();
  private readonly uids = new Map<number, bigint>();
  private readonly thresholds: Threshold[] = [];
  private readonly aggregates = new Map<number, KernelAggregate>();
  private readonly idOfPath: Map<string, bigint>;

  constructor(private readonly tree: ReadonlyArray<readonly [bigint, string]>) {
    this.idOfPath = new Map(tree.map(([id, p]) => [p, id]));
  }

  add(rule: CheckedRule, role: Role, selection: Selection, index: number): SelectionPlan {
    const spec = eventByName(selection.event);
    if (!spec) throw new Error(`checked rule ${rule.name} names unknown event ${selection.event}`);
    const bit = Math.min(index, SHARED_BIT);
    const mask = 1n << BigInt(bit);
    const kind = this.kindOf(spec.kind);
    kind.rules |= mask;
    const placements: Placement[] = [];
    const shared = bit === SHARED_BIT;
    let exact = selection.except.length === 0 && !shared;
    const used = new Set<string>();
    for (const term of conjuncts(selection.condition)) {
      const placed = shared ? undefined : this.place(term, spec, bit, kind, used);
      if (placed) {
        placements.push({ term: printCondition(term), tier: 'kernel', detail: placed.detail });
        exact &&= placed.exact;
      } else {
        placements.push({ term: printCondition(term), tier: 'userspace', detail: shared ? 'more than 62 selections: no kernel bit left' : 'not decidable in the kernel' });
        exact = false;
      }
    }
    for (const e of selection.except) placements.push({ term: `except ${printCondition(e)}`, tier: 'userspace', detail: 'exceptions are checked in userspace' });
    const groupBy = rule.kind === 'window' ? kernelGroupBy(rule.groupBy, spec) : undefined;
    const aggregate = rule.kind === 'window' && spec.highRate && exact && groupBy !== undefined ? kernelAggregate(rule.aggregate, spec, groupBy) : undefined;
    const counted = aggregate !== undefined;
    if (aggregate) {
      kind.counted |= mask;
      this.aggregates.set(bit, aggregate);
      const what = aggregate.sum ? `per-CPU counters and sums of ${aggregate.sum.field}` : 'per-CPU counters';
      placements.push({ term: `${(rule as WindowRule).aggregate.fn}(${spec.name})`, tier: 'kernel count', detail: `${what} per ${groupBy === 'none' ? 'rule' : groupBy}, read every tick` });
    }
    return { rule, role, selection, spec, bit, counted, groupBy: groupBy ?? 'none', ...(aggregate ? { aggregate } : {}), placements };
  }

  result(): KernelRuleSet {
    if (this.cgroups.size > 0) {
      // the path cache must learn a new cgroup before its first event is decoded
      for (const name of ['cgroup.mkdir', 'cgroup.rename']) this.kindOf((eventByName(name) as EventSpec).kind).rules |= 1n << BigInt(PASS_ALL_RULE);
    }
    return {
      kinds: new Map([...this.kinds].map(([k, v]) => [k, { ...v } as KindFilter])),
      cgroups: new Map([...this.cgroups].map(([k, v]) => [k, { ...v } as CgroupRules])),
      comms: this.comms,
      uids: this.uids,
      thresholds: this.thresholds,
      aggregates: this.aggregates,
    };
  }

  private kindOf(kind: number): MutableKind {
    let k = this.kinds.get(kind);
    if (!k) {
      k = { rules: 0n, byCgroup: 0n, byComm: 0n, byUid: 0n, byThreshold: 0n, counted: 0n };
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
      return { detail: `cgroup_rules: ${placed.entries} cgroup entries${placed.exact ? '' : ', new cgroups under an existing ancestor pass (the glob\'s prefix does not exist yet)'}${v1}`, exact: placed.exact && spec.subject !== 'cgroup' };
    }
    if ((term.kind === 'compare' && term.op === '==') || term.kind === 'in') {
      const values = term.kind === 'in' ? term.values : [term.value];
      if (term.field.name === 'comm' && !used.has('comm')) {
        used.add('comm');
        kind.byComm |= mask;
        for (const v of values) if (v.type === 'string' && Buffer.byteLength(v.value) < 16) this.comms.set(v.value, (this.comms.get(v.value) ?? 0n) | mask);
        return { detail: `comm_rules: ${values.length} comm${values.length === 1 ? '' : 's'}`, exact: true };
      }
      if (term.field.name === 'uid' && !used.has('uid')) {
        used.add('uid');
        kind.byUid |= mask;
        for (const v of values) if (v.type === 'number' && Number.isInteger(v.value) && v.value >= 0) this.uids.set(v.value, (this.uids.get(v.value) ?? 0n) | mask);
        return { detail: `uid_rules: ${values.length} uid${values.length === 1 ? '' : 's'}`, exact: true };
      }
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

  private placeCgroups(globs: readonly string[], mask: bigint): { entries: number; exact: boolean } | undefined {
    const shapes = globs.map(globShape);
    if (shapes.some((s) => s === undefined)) return undefined;
    let entries = 0;
    let exact = true;
    for (const shape of shapes as GlobShape[]) {
      const prefixId = this.idOfPath.get(shape.prefix);
      if (prefixId === undefined) {
        // created later, maybe: let every new cgroup under its nearest existing ancestor through
        exact = false;
        const ancestor = this.idOfPath.get(nearestExisting(shape.prefix, this.idOfPath));
        if (ancestor === undefined) return undefined; // no cgroup tree known: userspace decides
        this.entry(ancestor).descendants |= mask;
        entries++;
        continue;
      }
      if (shape.mode === 'self') {
        this.entry(prefixId).match |= mask;
        entries++;
      } else if (shape.mode === 'children') {
        this.entry(prefixId).children |= mask;
        entries++;
        for (const [id, p] of this.tree) {
          if (parentOf(p) === shape.prefix && p !== shape.prefix) {
            this.entry(id).match |= mask;
            entries++;
          }
        }
      } else {
        for (const [id, p] of this.tree) {
          if (p === shape.prefix || p.startsWith(shape.prefix === '/' ? '/' : `${shape.prefix}/`)) {
            const e = this.entry(id);
            e.match |= mask;
            e.descendants |= mask;
            entries++;
          }
        }
      }
    }
    return { entries, exact };
  }

  private entry(id: bigint): { match: bigint; children: bigint; descendants: bigint } {
    let e = this.cgroups.get(id);
    if (!e) {
      e = { match: 0n, children: 0n, descendants: 0n };
      this.cgroups.set(id, e);
    }
    return e;
  }
}

interface GlobShape {
  readonly prefix: string;
  readonly mode: 'self' | 'children' | 'subtree';
}

/** The globs the kernel's cgroup inheritance decides exactly: "/a/b", "/a/b/*", "/a/b/**". */
function globShape(glob: string): GlobShape | undefined {
  const { prefix, exact } = pathGlobPrefix(glob);
  if (exact) return { prefix, mode: 'self' };
  const base = prefix === '/' ? '' : prefix;
  if (glob === `${base}/*`) return { prefix, mode: 'children' };
  if (glob === `${base}/**`) return { prefix, mode: 'subtree' };
  return undefined;
}

function cgroupGlobs(term: Condition): string[] | undefined {
  if (term.kind === 'matches') return term.globs.map((g) => g.pattern);
  if (term.kind === 'compare' && term.op === '==' && term.value.type === 'string') return [term.value.value];
  if (term.kind === 'in') return term.values.every((v) => v.type === 'string') ? term.values.map((v) => v.value as string) : undefined;
  return undefined;
}

function parentOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function nearestExisting(p: string, known: ReadonlyMap<string, bigint>): string {
  let at = p;
  while (at !== '/' && !known.has(at)) at = parentOf(at);
  return at;
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

/** count and rate need only counters; sum needs its field to be one C member. */
function kernelAggregate(a: Aggregate, spec: EventSpec, groupBy: GroupBy): KernelAggregate | undefined {
  if (a.fn === 'count' || a.fn === 'rate') return { groupBy };
  if (a.fn !== 'sum') return undefined;
  const member = memberOfField(spec, a.field.name);
  const size = member ? SIZE[member.ctype] : undefined;
  if (!member || !size) return undefined;
  return { groupBy, sum: { offset: member.offset, size, signed: member.ctype.startsWith('s'), scale: member.scale ?? 1, field: a.field.name } };
}


const CMP: Record<CompareOp, Comparison> = { '==': 'eq', '!=': 'ne', '<': 'lt', '<=': 'le', '>': 'gt', '>=': 'ge' };
const SIZE: Record<string, 1 | 2 | 4 | 8> = { u16: 2, s16: 2, u32: 4, s32: 4, u64: 8 };

/**
 * A numeric comparison on a field that is one C member, rewritten in the
 * member's raw units: `anon_rss > 1GiB` on a KiB member is `raw > 1048576`.
 */
function threshold(term: Condition, spec: EventSpec, rule: number): Threshold | undefined {
  if (term.kind !== 'compare' && term.kind !== 'is') return undefined;
  const member = memberOfField(spec, term.field.name);
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
