/**
 * The kernel tier of bpf/kernwatch.bpf.c, in TypeScript, over decoded
 * events: the same map lookups on the same KernelRuleSet (kind masks, cgroup
 * entries with inheritance on mkdir, comm sets and patterns, uid sets, thresholds on raw
 * record values, in-kernel counts). Replays and the differential test run
 * recorded streams through it, so they exercise the compiler's real output.
 */
import { eventByName } from '../events/catalog';
import type { FieldValue, KernelEvent } from '../events/event';
import { recordMembers } from '../events/layout';
import type { EventSpec } from '../events/types';
import { hasEntry, stepGlobs, type GlobEntry } from '../kernel/cgroup_globs';
import { commBytes, patternBytes, type CommPattern } from '../kernel/comm_patterns';
import { matchesMasked, type MaskedText } from '../kernel/masked_text';
import type { Comparison, GroupBy, KernelRuleSet, Threshold } from '../kernel/kernel_rule_set';
import type { CompareOp } from '../dsl';
import { compareValues } from './condition';

const OPERATOR: Record<Comparison, CompareOp> = { eq: '==', ne: '!=', lt: '<', le: '<=', gt: '>', ge: '>=' };

export interface SimulatedCount {
  readonly bit: number;
  readonly group: Readonly<Record<string, FieldValue>>;
  /** the rule's sum or max field on this event, 0 for count-only rules */
  readonly value: number;
}

export interface SimulatedRecord {
  /** the event as userspace would receive it, or undefined if the kernel dropped it */
  readonly sent?: KernelEvent;
  /** the counted rules it incremented */
  readonly counted: readonly SimulatedCount[];
}

export class KernelSimulator {
  private readonly cgroups: Map<bigint, GlobEntry>;
  private readonly idOfPath = new Map<string, bigint>();
  /** the comm patterns with their bytes, laid out once */
  private readonly patterns: ReadonlyArray<{ readonly pattern: CommPattern; readonly bytes: MaskedText }>;

  constructor(private readonly set: KernelRuleSet) {
    this.cgroups = new Map(set.cgroups);
    this.patterns = set.commPatterns.map((pattern) => ({ pattern, bytes: patternBytes(pattern) }));
  }

  /** Tells the simulator where v2 cgroups are, as the kernel knows from its own tree. */
  knowCgroup(id: bigint, path: string): void {
    this.idOfPath.set(path, id);
  }

  process(e: KernelEvent): SimulatedRecord {
    const spec = eventByName(e.name) as EventSpec;
    if (spec.name === 'cgroup.mkdir' && e.fields.hierarchy === 'unified') this.inherit(e);
    const result = this.filter(spec, e);
    if (spec.name === 'cgroup.release' && e.fields.hierarchy === 'unified') this.cgroups.delete(e.fields.cgroup_id as bigint);
    return result;
  }

  private filter(spec: EventSpec, e: KernelEvent): SimulatedRecord {
    const kf = this.set.kinds.get(spec.kind);
    if (!kf) return { counted: [] };
    const f = e.fields;
    let mask = kf.rules;
    const cgroupId = this.v2CgroupOf(spec, f);
    if (mask & (kf.byCgroup | kf.exceptCgroup) && cgroupId !== 0n) {
      const entry = this.cgroups.get(cgroupId);
      mask &= ~kf.byCgroup | (entry?.match ?? 0n);
      mask &= ~(kf.exceptCgroup & (entry?.reject ?? 0n));
    }
    if (mask & (kf.byComm | kf.exceptComm)) {
      const comm = commKey(f.comm);
      const entry = this.set.comms.get(comm);
      let accept = entry?.accept ?? 0n;
      let reject = entry?.reject ?? 0n;
      const held = this.patterns.length > 0 ? commBytes(comm) : undefined;
      for (const { pattern, bytes } of this.patterns) {
        if (!held || !matchesMasked(held[pattern.match], bytes)) continue;
        accept |= pattern.accept;
        reject |= pattern.reject;
      }
      mask &= ~kf.byComm | accept;
      mask &= ~(kf.exceptComm & reject);
    }
    if (mask & kf.byUid) mask &= ~kf.byUid | (this.set.uids.get(f.uid as number) ?? 0n);
    if (mask & kf.byThreshold) {
      for (const t of this.set.thresholds) if (t.kind === spec.kind && !passes(t, spec, f)) mask &= ~(1n << BigInt(t.rule));
    }
    const counted: SimulatedCount[] = [];
    for (let bit = 0; bit < 64; bit++) {
      if ((mask & kf.counted & (1n << BigInt(bit))) === 0n) continue;
      const agg = this.set.aggregates.get(bit);
      const field = agg?.sum ?? agg?.max;
      const value = field ? f[field.field] : undefined;
      counted.push({ bit, group: groupOf(agg?.groupBy ?? 'none', f, spec), value: typeof value === 'number' ? value : 0 });
    }
    mask &= ~kf.counted;
    return mask === 0n ? { counted } : { sent: { ...e, rules: mask }, counted };
  }

  /** enter_cgroup_globs(): a new cgroup's glob states are its parent's stepped over its name. */
  private inherit(e: KernelEvent): void {
    const path = e.fields.cgroup as string;
    const id = e.fields.cgroup_id as bigint;
    this.idOfPath.set(path, id);
    const cut = path.lastIndexOf('/');
    const parentPath = cut <= 0 ? '/' : path.slice(0, cut);
    const parentId = this.idOfPath.get(parentPath);
    const from = parentId !== undefined ? this.cgroups.get(parentId) : parentPath === '/' ? this.set.globRoot : undefined;
    if (!from || from.states === 0n || this.cgroups.has(id)) return;
    const entry = stepGlobs(this.set.globStates, from, path.slice(cut + 1));
    if (hasEntry(entry)) this.cgroups.set(id, entry);
  }

  private v2CgroupOf(spec: EventSpec, f: Readonly<Record<string, FieldValue>>): bigint {
    if (spec.subject === 'cgroup') return f.hierarchy === 'unified' ? (f.cgroup_id as bigint) : 0n;
    return (f.cgroup_id as bigint | undefined) ?? 0n;
  }
}

/** The comm_rules key: what fits in the kernel's 16 bytes with the terminator. */
function commKey(comm: FieldValue | undefined): string {
  const s = typeof comm === 'string' ? comm : '';
  return Buffer.from(s, 'utf8').subarray(0, 15).toString('utf8');
}

function groupOf(by: GroupBy, f: Readonly<Record<string, FieldValue>>, spec: EventSpec): Record<string, FieldValue> {
  if (by === 'cgroup' && spec.subject !== 'cgroup') return f.cgroup === undefined ? {} : { cgroup: f.cgroup };
  if (by === 'tgid') return { tgid: f.tgid as number };
  if (by === 'uid') return { uid: f.uid as number };
  return {};
}

/** check_threshold(): the member's raw value, compared as the kernel does. */
function passes(t: Threshold, spec: EventSpec, f: Readonly<Record<string, FieldValue>>): boolean {
  const member = recordMembers(spec).find((m) => m.offset === t.offset);
  const fieldSpec = member?.field === undefined ? undefined : [...spec.fields].find((x) => x.name === member.field);
  const value = member?.field === undefined ? undefined : f[member.field];
  if (!member || value === undefined) return true;
  let raw: bigint;
  if (typeof value === 'boolean') raw = value ? 1n : 0n;
  else if (typeof value === 'string') {
    const index = fieldSpec?.values?.indexOf(value) ?? -1;
    raw = BigInt(index >= 0 ? index : Number(value) || 0);
  } else if (typeof value === 'bigint') raw = value;
  else raw = BigInt(Math.round(value / (member.scale ?? 1)));
  const a = t.signed ? BigInt.asIntN(64, raw) : BigInt.asUintN(64, raw);
  const b = t.signed ? BigInt.asIntN(64, t.value) : BigInt.asUintN(64, t.value);
  return compareValues(OPERATOR[t.cmp], a, b);
}
