/**
 * Writes KernelRuleSets into the BPF filter maps. Each set goes into the
 * generation the programs are not using, then one write to `control` makes
 * every later event see the whole new set; the old generation is cleared once
 * programs that started before the flip have finished.
 */
import { COMM_LEN } from '../events/layout';
import type { BpfSessionHandle } from './native';
import type { Comparison, GroupBy, KernelRuleSet } from './kernel_rule_set';

export const KIND_MAX = 22; // enum kw_kind KW_KIND_MAX
export const MAX_RULES = 64;
export const MAX_THRESHOLDS = 32;

const CMP: Record<Comparison, number> = { eq: 1, ne: 2, lt: 3, le: 4, gt: 5, ge: 6 };
const GROUP: Record<GroupBy, number> = { none: 0, cgroup: 1, tgid: 2, uid: 3 };

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: bigint): Buffer => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt.asUintN(64, n));
  return b;
};

export function cgroupKey(id: bigint, generation: number): Buffer {
  return Buffer.concat([u64(id), u32(generation), u32(0)]);
}

export function commKey(comm: string, generation: number): Buffer {
  const name = Buffer.alloc(COMM_LEN);
  Buffer.from(comm, 'utf8').copy(name, 0, 0, COMM_LEN - 1);
  return Buffer.concat([name, u32(generation), u32(0)]);
}

export function uidKey(uid: number, generation: number): Buffer {
  return Buffer.concat([u32(uid), u32(generation)]);
}

/** Which maps a generation wrote, so that it can be cleared precisely. */
interface Written {
  comms: string[];
  uids: number[];
}

/** Time for programs that read the old generation to finish: they run for microseconds. */
const GRACE_MS = 20;

export class FilterMaps {
  private generation = 0;
  private readonly written: Written[] = [
    { comms: [], uids: [] },
    { comms: [], uids: [] },
  ];

  constructor(private readonly bpf: BpfSessionHandle) {}

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
    this.bpf.update('control', u32(0), Buffer.concat([u32(next), u32(0)]));
    const previous = this.generation;
    this.generation = next;
    await new Promise((r) => setTimeout(r, GRACE_MS));
    this.clear(previous);
    return next;
  }

  private write(g: number, set: KernelRuleSet): void {
    for (const [kind, f] of set.kinds) {
      const value = Buffer.concat([f.rules, f.byCgroup, f.byComm, f.byUid, f.byThreshold, f.counted].map(u64));
      this.bpf.update('kind_filters', u32(g * KIND_MAX + kind), value);
    }
    const done = this.written[g] as Written;
    for (const [id, r] of set.cgroups) {
      this.bpf.update('cgroup_rules', cgroupKey(id, g), Buffer.concat([u64(r.match), u64(r.children), u64(r.descendants)]));
    }
    for (const [comm, mask] of set.comms) {
      this.bpf.update('comm_rules', commKey(comm, g), u64(mask));
      done.comms.push(comm);
    }
    for (const [uid, mask] of set.uids) {
      this.bpf.update('uid_rules', uidKey(uid, g), u64(mask));
      done.uids.push(uid);
    }
    if (set.thresholds.length > MAX_THRESHOLDS) throw new Error(`at most ${MAX_THRESHOLDS} kernel thresholds`);
    set.thresholds.forEach((t, slot) => {
      const v = Buffer.alloc(16);
      v.writeUInt16LE(t.kind, 0);
      v.writeUInt16LE(t.offset, 2);
      v.writeUInt8(t.size, 4);
      v.writeUInt8(t.signed ? 1 : 0, 5);
      v.writeUInt8(CMP[t.cmp], 6);
      v.writeUInt8(t.rule, 7);
      v.writeBigUInt64LE(BigInt.asUintN(64, t.value), 8);
      this.bpf.update('thresholds', u32(g * MAX_THRESHOLDS + slot), v);
    });
    for (const [rule, agg] of set.aggregates) {
      const v = Buffer.alloc(8);
      v.writeUInt32LE(GROUP[agg.groupBy], 0);
      v.writeUInt16LE(agg.sum?.offset ?? 0, 4);
      v.writeUInt8(agg.sum?.size ?? 0, 6);
      v.writeUInt8(agg.sum?.signed ? 1 : 0, 7);
      this.bpf.update('rule_aggs', u32(g * MAX_RULES + rule), v);
    }
  }

  /** Empties generation `g`: arrays are zeroed, hash entries deleted. */
  private clear(g: number): void {
    const zeroFilter = Buffer.alloc(48);
    for (let kind = 0; kind < KIND_MAX; kind++) this.bpf.update('kind_filters', u32(g * KIND_MAX + kind), zeroFilter);
    const zeroThreshold = Buffer.alloc(16);
    for (let slot = 0; slot < MAX_THRESHOLDS; slot++) this.bpf.update('thresholds', u32(g * MAX_THRESHOLDS + slot), zeroThreshold);
    const zeroAgg = Buffer.alloc(8);
    for (let rule = 0; rule < MAX_RULES; rule++) this.bpf.update('rule_aggs', u32(g * MAX_RULES + rule), zeroAgg);
    const done = this.written[g] as Written;
    // the kernel adds entries of its own for cgroups created since (see
    // inherit_cgroup_rules), so walk the map rather than our own list
    const keys = this.bpf.keys('cgroup_rules');
    for (let at = 0; at + 16 <= keys.length; at += 16) {
      if (keys.readUInt32LE(at + 8) === g) this.bpf.delete('cgroup_rules', keys.subarray(at, at + 16));
    }
    for (const comm of done.comms) this.bpf.delete('comm_rules', commKey(comm, g));
    for (const uid of done.uids) this.bpf.delete('uid_rules', uidKey(uid, g));
    this.written[g] = { comms: [], uids: [] };
  }
}
