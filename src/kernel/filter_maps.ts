/**
 * Writes KernelRuleSets into the BPF filter maps. Each set goes into the
 * generation the programs are not using, then one write to `control` makes
 * every later event see the whole new set; the old generation is cleared once
 * programs that started before the flip have finished.
 */
import { encodeStruct, offsetOf } from './c_layout';
import { SEGMENT, stateBytes, writeTreeEntries, type GlobEntry } from './cgroup_globs';
import { patternBytes } from './comm_patterns';
import { isBpfError, nativeAddon, type BpfSessionHandle } from './native';
import type { KernelRuleSet } from './kernel_rule_set';
import { LIMITS } from './limits';
import { KW_AGG_FN, KW_CMP, KW_COMM_MATCH, KW_GROUP_BY, MAP_STRUCTS, u32Key } from './map_layouts';

const { KW_KIND_MAX, KW_MAX_RULES, KW_MAX_THRESHOLDS, KW_MAX_GLOB_STATES, KW_MAX_COMM_PATTERNS } = LIMITS;
const {
  kw_cgroup_key,
  kw_comm_key,
  kw_comm_rules,
  kw_comm_pattern,
  kw_uid_key,
  kw_kind_filter,
  kw_cgroup_rules,
  kw_glob_state,
  kw_control,
  kw_threshold,
  kw_rule_agg,
} = MAP_STRUCTS;

export function cgroupKey(id: bigint, generation: number): Buffer {
  return encodeStruct(kw_cgroup_key, { cgroup_id: id, generation });
}

export function commKey(comm: string, generation: number): Buffer {
  return encodeStruct(kw_comm_key, { comm, generation });
}

export function uidKey(uid: number, generation: number): Buffer {
  return encodeStruct(kw_uid_key, { uid, generation });
}

const mask = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return b;
};

/** Which maps a generation wrote, so that it can be cleared precisely. */
interface Written {
  comms: string[];
  uids: number[];
}

/**
 * Where the kernel refuses membarrier (a seccomp filter), time for programs
 * that read the old generation to finish instead: they run for microseconds.
 */
const FALLBACK_GRACE_MS = 20;

/** What holds the kernel's rule sets: the BPF filter maps, or a simulated kernel's. */
export interface RuleFilters {
  /** the generation the programs read now */
  readonly active: number;
  /** writes the first rule set, before any program is attached */
  installFirst(set: KernelRuleSet): void;
  /** writes `set` into the generation not in use, flips to it once complete, clears the old one; returns the new generation */
  install(set: KernelRuleSet): Promise<number>;
  /** records of the kinds in `kinds` (bit `kind`) are shed in the kernel */
  shed(kinds: number): void;
}

export class FilterMaps implements RuleFilters {
  private generation = 0;
  private readonly written: Written[] = [
    { comms: [], uids: [] },
    { comms: [], uids: [] },
  ];

  private shedKinds = 0;

  /** `v2Mount`: where cgroup v2 is mounted, walked to install cgroup globs */
  constructor(
    private readonly bpf: BpfSessionHandle,
    private readonly v2Mount?: string,
  ) {}

  /** The generation the programs read now. */
  get active(): number {
    return this.generation;
  }

  /** Writes the first rule set, before any program is attached. */
  installFirst(set: KernelRuleSet): void {
    this.write(this.generation, set);
  }

  /** Writes `set` beside the active one, flips to it, then clears the old one. */
  async install(set: KernelRuleSet): Promise<number> {
    const next = 1 - this.generation;
    this.clear(next);
    this.write(next, set);
    this.writeControl(next);
    const previous = this.generation;
    this.generation = next;
    await quiesce();
    this.clear(previous);
    return next;
  }

  /** Kinds whose records the programs drop, counted as shed, while userspace is overloaded (bit `kind`). */
  shed(kinds: number): void {
    this.shedKinds = kinds >>> 0;
    this.writeControl(this.generation);
  }

  private writeControl(generation: number): void {
    this.bpf.update('control', u32Key(0), encodeStruct(kw_control, { generation, shed_kinds: this.shedKinds }));
  }

  private write(g: number, set: KernelRuleSet): void {
    for (const [kind, f] of set.kinds) {
      const value = encodeStruct(kw_kind_filter, {
        rules: f.rules,
        by_cgroup: f.byCgroup,
        by_comm: f.byComm,
        by_uid: f.byUid,
        by_threshold: f.byThreshold,
        counted: f.counted,
        except_cgroup: f.exceptCgroup,
        except_comm: f.exceptComm,
      });
      this.bpf.update('kind_filters', u32Key(g * KW_KIND_MAX + kind), value);
    }
    const done = this.written[g] as Written;
    this.writeGlobs(g, set);
    for (const [comm, rules] of set.comms) {
      this.bpf.update('comm_rules', commKey(comm, g), encodeStruct(kw_comm_rules, { accept: rules.accept, reject: rules.reject }));
      done.comms.push(comm);
    }
    if (set.commPatterns.length > KW_MAX_COMM_PATTERNS) throw new Error(`at most ${KW_MAX_COMM_PATTERNS} kernel comm patterns`);
    set.commPatterns.forEach((p, slot) => {
      const { text, mask } = patternBytes(p);
      const v = encodeStruct(kw_comm_pattern, { text, mask, accept: p.accept, reject: p.reject, kind: KW_COMM_MATCH[p.match] });
      this.bpf.update('comm_patterns', u32Key(g * KW_MAX_COMM_PATTERNS + slot), v);
    });
    for (const [uid, rules] of set.uids) {
      this.bpf.update('uid_rules', uidKey(uid, g), mask(rules));
      done.uids.push(uid);
    }
    if (set.thresholds.length > KW_MAX_THRESHOLDS) throw new Error(`at most ${KW_MAX_THRESHOLDS} kernel thresholds`);
    set.thresholds.forEach((t, slot) => {
      const v = encodeStruct(kw_threshold, {
        kind: t.kind,
        offset: t.offset,
        size: t.size,
        is_signed: t.signed ? 1 : 0,
        cmp: KW_CMP[t.cmp],
        rule: t.rule,
        value: t.value,
      });
      this.bpf.update('thresholds', u32Key(g * KW_MAX_THRESHOLDS + slot), v);
    });
    for (const [rule, agg] of set.aggregates) {
      const field = agg.max ?? agg.sum;
      const v = encodeStruct(kw_rule_agg, {
        group_by: KW_GROUP_BY[agg.groupBy],
        fn: KW_AGG_FN[agg.max ? 'max' : agg.sum ? 'sum' : 'count'],
        offset: field?.offset ?? 0,
        size: field?.size ?? 0,
        is_signed: field?.signed ? 1 : 0,
      });
      this.bpf.update('rule_aggs', u32Key(g * KW_MAX_RULES + rule), v);
    }
  }

  /**
   * The glob states first, then the entries of the cgroups that exist: from
   * a fresh walk of the v2 tree where it is mounted (cgroups come and go
   * between compiling and installing), else those the compiler saw.
   */
  private writeGlobs(g: number, set: KernelRuleSet): void {
    if (set.globStates.length > KW_MAX_GLOB_STATES) throw new Error(`at most ${KW_MAX_GLOB_STATES} cgroup glob states`);
    set.globStates.forEach((st, k) => {
      const v = encodeStruct(kw_glob_state, {
        next: st.next,
        accept: st.accept,
        reject: st.reject,
        kind: SEGMENT[st.kind],
        len: Buffer.byteLength(st.text),
        ...stateBytes(st),
      });
      this.bpf.update('glob_states', u32Key(g * KW_MAX_GLOB_STATES + k), v);
    });
    if (set.globStates.length === 0) return;
    const write = (id: bigint, e: GlobEntry): void =>
      this.bpf.update('cgroup_rules', cgroupKey(id, g), encodeStruct(kw_cgroup_rules, { match: e.match, reject: e.reject, states: e.states }));
    if (this.v2Mount !== undefined) writeTreeEntries(this.v2Mount, set.globStates, set.globRoot, write);
    else for (const [id, e] of set.cgroups) write(id, e);
  }

  /** Empties generation `g`: arrays are zeroed, hash entries deleted. */
  private clear(g: number): void {
    const zeroFilter = Buffer.alloc(kw_kind_filter.size);
    for (let kind = 0; kind < KW_KIND_MAX; kind++) this.bpf.update('kind_filters', u32Key(g * KW_KIND_MAX + kind), zeroFilter);
    const zeroThreshold = Buffer.alloc(kw_threshold.size);
    for (let slot = 0; slot < KW_MAX_THRESHOLDS; slot++) this.bpf.update('thresholds', u32Key(g * KW_MAX_THRESHOLDS + slot), zeroThreshold);
    const zeroGlob = Buffer.alloc(kw_glob_state.size);
    for (let k = 0; k < KW_MAX_GLOB_STATES; k++) this.bpf.update('glob_states', u32Key(g * KW_MAX_GLOB_STATES + k), zeroGlob);
    const zeroPattern = Buffer.alloc(kw_comm_pattern.size);
    for (let slot = 0; slot < KW_MAX_COMM_PATTERNS; slot++) this.bpf.update('comm_patterns', u32Key(g * KW_MAX_COMM_PATTERNS + slot), zeroPattern);
    const zeroAgg = Buffer.alloc(kw_rule_agg.size);
    for (let rule = 0; rule < KW_MAX_RULES; rule++) this.bpf.update('rule_aggs', u32Key(g * KW_MAX_RULES + rule), zeroAgg);
    const done = this.written[g] as Written;
    // the kernel adds entries of its own for cgroups created since (see
    // inherit_cgroup_rules), so read the map rather than our own list
    const { keys, count } = this.bpf.entries('cgroup_rules');
    const keySize = kw_cgroup_key.size;
    const generationAt = offsetOf(kw_cgroup_key, 'generation');
    const old: Buffer[] = [];
    for (let i = 0; i < count; i++) {
      if (keys.readUInt32LE(i * keySize + generationAt) === g) old.push(keys.subarray(i * keySize, (i + 1) * keySize));
    }
    if (old.length > 0) this.bpf.deleteKeys('cgroup_rules', Buffer.concat(old));
    if (done.comms.length > 0) this.bpf.deleteKeys('comm_rules', Buffer.concat(done.comms.map((comm) => commKey(comm, g))));
    if (done.uids.length > 0) this.bpf.deleteKeys('uid_rules', Buffer.concat(done.uids.map((uid) => uidKey(uid, g))));
    this.written[g] = { comms: [], uids: [] };
  }
}

/** Waits until no program still reads the generation flipped away from (an RCU grace period). */
async function quiesce(): Promise<void> {
  try {
    await nativeAddon().quiescePrograms();
  } catch (e) {
    if (!isBpfError(e)) throw e;
    await new Promise((r) => setTimeout(r, FALLBACK_GRACE_MS));
  }
}
