/**
 * Reads the in-kernel counters of counted rules (the `counts` per-CPU hash)
 * and turns them into per-tick deltas for the evaluator. Event counts and
 * sums only grow, so a read takes their differences. A max is kept per
 * epoch, in the slot of the epoch's parity (bpf/kernwatch.h, struct
 * kw_count): each tick steps `count_epoch` once, then takes per group the
 * largest max the CPUs kept for the epoch that just ended, which the next
 * epoch's events, filling the other slot, leave alone.
 */
import type { CgroupPaths } from '../events/cgroup_paths';
import type { FieldValue } from '../events/event';
import { offsetOf } from '../kernel/c_layout';
import { MAP_STRUCTS, perCpuStride, u32Key } from '../kernel/map_layouts';
import type { BpfSessionHandle } from '../kernel/native';
import type { GroupBy, KernelAggregate } from '../kernel/kernel_rule_set';

export interface CountDelta {
  readonly bit: number;
  readonly n: number;
  /** added to the rule's sum field, in the field's units; 0 for count-only rules */
  readonly sum: number;
  /** for a max rule: the field's largest value among these events, in the field's units */
  readonly max?: number;
  readonly group: Readonly<Record<string, FieldValue>>;
}

const { kw_count_key, kw_count } = MAP_STRUCTS;
const KEY_SIZE = kw_count_key.size;
const RULE_AT = offsetOf(kw_count_key, 'rule');
const GENERATION_AT = offsetOf(kw_count_key, 'generation');
const GROUP_AT = offsetOf(kw_count_key, 'group');
const VALUE_STRIDE = perCpuStride(kw_count.size);
const EVENTS_AT = offsetOf(kw_count, 'events');
const SUM_AT = offsetOf(kw_count, 'sum');
/** by parity of the epoch tag */
const MAX_AT = [offsetOf(kw_count, 'max_even'), offsetOf(kw_count, 'max_odd')] as const;
const TAG_AT = [offsetOf(kw_count, 'tag_even'), offsetOf(kw_count, 'tag_odd')] as const;
/**
 * A group idle this long is deleted from the kernel map, which would
 * otherwise fill up with every tgid that ever forked. An event landing
 * between our last read and the delete is lost; after a minute of silence
 * that is one event at most, and it only delays a count that was idle.
 */
const IDLE_MS = 60_000;

export class KernelCounts {
  private readonly totals = new Map<string, { total: number; sum: bigint; changedAt: number }>();
  /** per generation: how each counted bit groups and sums */
  private readonly aggregates: Array<ReadonlyMap<number, KernelAggregate>> = [new Map(), new Map()];

  constructor(
    private readonly bpf: BpfSessionHandle,
    private readonly cgroups: CgroupPaths,
  ) {}

  /** How each counted bit of `generation` aggregates. */
  setAggregates(generation: number, aggregates: ReadonlyMap<number, KernelAggregate>): void {
    this.aggregates[generation] = aggregates;
  }

  /**
   * Starts the next epoch, once a tick before the reads: events from here on
   * keep their maxima under the next tag. Returns the tag of the epoch that
   * just ended. Tags are the epoch + 1 and never 0 (a CPU's zeroed copy).
   */
  step(): number {
    const epoch = this.currentEpoch();
    this.bpf.update('count_epoch', u32Key(0), u32Key(epoch >= 0xfffffffe ? 0 : epoch + 1));
    return epoch + 1;
  }

  /**
   * Counts added since the last read, for `generation`, with the maxima of
   * the epoch tagged `ended` (what step() returned). The maxima of events
   * that read the old epoch but wrote after this read (microseconds at a
   * tick) are not seen: their events are counted, their values missed.
   */
  read(generation: number, ended: number, now = Date.now()): CountDelta[] {
    const out: CountDelta[] = [];
    const slot = (ended & 1) as 0 | 1;
    const keys = this.bpf.keys('counts');
    for (let at = 0; at + KEY_SIZE <= keys.length; at += KEY_SIZE) {
      const key = keys.subarray(at, at + KEY_SIZE);
      if (key.readUInt32LE(GENERATION_AT) !== generation) continue;
      const perCpu = this.bpf.lookup('counts', key);
      if (!perCpu) continue;
      const bit = key.readUInt32LE(RULE_AT);
      const agg = this.aggregates[generation]?.get(bit);
      let total = 0;
      let sum = 0n;
      let max: bigint | undefined;
      for (let c = 0; c + VALUE_STRIDE <= perCpu.length; c += VALUE_STRIDE) {
        total += Number(perCpu.readBigUInt64LE(c + EVENTS_AT));
        sum += perCpu.readBigUInt64LE(c + SUM_AT);
        if (!agg?.max || perCpu.readUInt32LE(c + TAG_AT[slot]) !== ended) continue;
        const raw = agg.max.signed ? perCpu.readBigInt64LE(c + MAX_AT[slot]) : perCpu.readBigUInt64LE(c + MAX_AT[slot]);
        if (max === undefined || raw > max) max = raw;
      }
      const id = key.toString('hex');
      const known = this.totals.get(id);
      const delta = total - (known?.total ?? 0);
      if (delta <= 0) {
        if (known && now - known.changedAt > IDLE_MS) {
          this.bpf.delete('counts', key);
          this.totals.delete(id);
        }
        continue;
      }
      // per-CPU sums wrap as two's complement; the difference of totals is exact
      const raw = BigInt.asIntN(64, sum - (known?.sum ?? 0n));
      this.totals.set(id, { total, sum, changedAt: now });
      // a max rule's events whose values were all missed (see above) have nothing to say
      if (agg?.max && max === undefined) continue;
      const added = agg?.sum ? Number(agg.sum.signed ? raw : BigInt.asUintN(64, raw)) * agg.sum.scale : 0;
      const group = this.group(agg?.groupBy ?? 'none', key.readBigUInt64LE(GROUP_AT));
      out.push({ bit, n: delta, sum: added, ...(agg?.max && max !== undefined ? { max: Number(max) * agg.max.scale } : {}), group });
    }
    return out;
  }

  /**
   * Reads generation `generation` one last time, then deletes its counters
   * so that the generation starts from zero when it is used again.
   */
  drain(generation: number): CountDelta[] {
    // the epoch now, not stepped: the generation in use reads its maxima of it at the next tick
    const last = this.read(generation, this.currentEpoch() + 1);
    const keys = this.bpf.keys('counts');
    for (let at = 0; at + KEY_SIZE <= keys.length; at += KEY_SIZE) {
      const key = keys.subarray(at, at + KEY_SIZE);
      if (key.readUInt32LE(GENERATION_AT) !== generation) continue;
      this.bpf.delete('counts', key);
      this.totals.delete(key.toString('hex'));
    }
    return last;
  }

  private currentEpoch(): number {
    return this.bpf.lookup('count_epoch', u32Key(0))?.readUInt32LE(0) ?? 0;
  }

  private group(by: GroupBy, value: bigint): Record<string, FieldValue> {
    if (by === 'cgroup') {
      const path = this.cgroups.pathOf(0, value);
      return path === undefined ? {} : { cgroup: path };
    }
    if (by === 'tgid') return { tgid: Number(value) };
    if (by === 'uid') return { uid: Number(value) };
    return {};
  }
}
