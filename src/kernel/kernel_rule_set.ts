/**
 * One rule set as the kernel's filter maps hold it (bpf/kernwatch.h, "In-kernel
 * filtering"). Rule i is bit i of every mask. The engine's compiler produces
 * it; FilterMaps writes it.
 */
import { NO_ENTRY, type GlobEntry, type GlobState } from './cgroup_globs';
import type { CommPattern } from './comm_patterns';

export type Comparison = 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';
export type GroupBy = 'none' | 'cgroup' | 'tgid' | 'uid';

export interface KindFilter {
  /** rules that want the kind at all */
  readonly rules: bigint;
  readonly byCgroup: bigint;
  readonly byComm: bigint;
  readonly byUid: bigint;
  readonly byThreshold: bigint;
  /** rules counted in the kernel instead of sent */
  readonly counted: bigint;
  /** rules that refuse the cgroups whose entry rejects them (`except cgroup matches`) */
  readonly exceptCgroup: bigint;
  /** rules that refuse the comms whose entry or pattern rejects them (`except comm in [...]`) */
  readonly exceptComm: bigint;
}

/** A comm's entry in `comm_rules`: the rules that want it, and those it is an exception of. */
export interface CommRules {
  readonly accept: bigint;
  readonly reject: bigint;
}

/** A cgroup's entry in `cgroup_rules`: the rules whose glob it matches, the glob states its path reached. */
export type CgroupRules = GlobEntry;

export interface Threshold {
  readonly kind: number;
  /** byte offset of the field in the record */
  readonly offset: number;
  readonly size: 1 | 2 | 4 | 8;
  readonly signed: boolean;
  readonly cmp: Comparison;
  readonly rule: number;
  readonly value: bigint;
}

/** A record field the kernel aggregates: one C member. */
export interface AggregatedField {
  readonly offset: number;
  readonly size: 1 | 2 | 4 | 8;
  readonly signed: boolean;
  /** raw units to the field's units (1024 for KiB members); userspace applies it */
  readonly scale: number;
  /** the catalog field, for the simulator */
  readonly field: string;
}

/** How a counted rule aggregates in the kernel: events per group, and at most one of a sum or a max of a field. */
export interface KernelAggregate {
  readonly groupBy: GroupBy;
  /** the record field summed per group, raw units */
  readonly sum?: AggregatedField;
  /** the record field's largest value per group in each read interval (kw_count.max) */
  readonly max?: AggregatedField;
}

export interface KernelRuleSet {
  readonly kinds: ReadonlyMap<number, KindFilter>;
  /** the cgroup globs as states the kernel steps on every mkdir (src/kernel/cgroup_globs.ts) */
  readonly globStates: readonly GlobState[];
  /** the root cgroup's entry: where every glob starts */
  readonly globRoot: GlobEntry;
  /** v2 cgroup id -> entry, for the cgroups the compiler saw (installed from a fresh walk of the tree) */
  readonly cgroups: ReadonlyMap<bigint, CgroupRules>;
  readonly comms: ReadonlyMap<string, CommRules>;
  /** comm globs with a star at one end, in slot order (src/kernel/comm_patterns.ts) */
  readonly commPatterns: readonly CommPattern[];
  readonly uids: ReadonlyMap<number, bigint>;
  readonly thresholds: readonly Threshold[];
  /** rule index -> how its in-kernel counts are grouped and summed */
  readonly aggregates: ReadonlyMap<number, KernelAggregate>;
}

/** The rule bit `tail` uses: every record of the kinds asked for, unfiltered. */
export const PASS_ALL_RULE = 63;

/** A rule set with nothing in it but what `parts` gives. */
export function ruleSetOf(parts: Partial<KernelRuleSet>): KernelRuleSet {
  return {
    kinds: new Map(),
    globStates: [],
    globRoot: NO_ENTRY,
    cgroups: new Map(),
    comms: new Map(),
    commPatterns: [],
    uids: new Map(),
    thresholds: [],
    aggregates: new Map(),
    ...parts,
  };
}

/** A kind filter for `rules`, constrained by nothing but what `extra` says. */
export function kindFilter(rules: bigint, extra: Partial<KindFilter> = {}): KindFilter {
  return { rules, byCgroup: 0n, byComm: 0n, byUid: 0n, byThreshold: 0n, counted: 0n, exceptCgroup: 0n, exceptComm: 0n, ...extra };
}

export function passAll(kinds: Iterable<number>): KernelRuleSet {
  const filter = kindFilter(1n << BigInt(PASS_ALL_RULE));
  return ruleSetOf({ kinds: new Map([...kinds].map((k) => [k, filter])) });
}
