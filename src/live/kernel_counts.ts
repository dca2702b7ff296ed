/**
 * Reads the in-kernel counters of counted rules (the `counts` per-CPU hash)
 * and turns them into per-tick deltas for the evaluator. Event counts and
 * sums only grow, so a read takes their differences. A max is kept per
 * epoch, in the slot of the epoch's parity (bpf/kernwatch.h, struct
 * kw_count): each tick steps `count_epoch` once, then takes per group the
 * largest max the CPUs kept for the epoch that just ended, which the next
 * epoch's events, filling the other slot, leave alone.
 *
 * The map is read once a tick, in batches (BpfSessionHandle.entries), for
 * every generation at once.
 */
import type { CgroupPaths } from '../events/cgroup_paths';
import type { FieldValue } from '../events/event';
import { offsetOf } from '../kernel/c_layout';
import { MAP_STRUCTS, perCpuStride, u32Key } from '../kernel/map_layouts';
import type { BpfSessionHandle } from '../kernel/native';
import type { GroupBy, KernelAggregate } from '../kernel/kernel_rule_set';
import { LIMITS } from '../kernel/limits';

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

/** One entry of the map, its CPUs' counters added up. */
interface CountRow {
  readonly key: Buffer;
  readonly bit: number;
  readonly total: number;
  readonly sum: bigint;
  /** for a max rule: the largest max the CPUs kept for the epoch read; undefined when none did */
  readonly max: bigint | undefined;
}

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
   * Counts added since the last read, per generation, with the maxima of
   * the epoch tagged `ended` (what step() returned): one read of the map. The maxima of events
   * that read the old epoch but wrote after this read (microseconds at a
   * tick) are not seen: their events are counted, their values missed.
   */
  read(ended: number, now = Date.now()): Map<number, CountDelta[]> {
    const byGeneration = new Map<number, CountDelta[]>();
    const idle: Buffer[] = [];
    for (const [generation, rows] of this.readMap(ended)) {
      const read = this.deltas(generation, rows, now);
      byGeneration.set(generation, read.deltas);
      idle.push(...read.idle);
    }
    if (idle.length > 0) this.bpf.deleteKeys('counts', Buffer.concat(idle));
    return byGeneration;
  }

  /**
   * Reads generation `generation` one last time, then deletes its counters
   * so that the generation starts from zero when it is used again.
   */
  drain(generation: number): CountDelta[] {
    // the epoch now, not stepped: the generation in use reads its maxima of it at the next tick
    const rows = this.readMap(this.currentEpoch() + 1).get(generation) ?? [];
    const { deltas } = this.deltas(generation, rows, Date.now());
    if (rows.length > 0) this.bpf.deleteKeys('counts', Buffer.concat(rows.map((r) => r.key)));
    for (const r of rows) this.totals.delete(r.key.toString('hex'));
    return deltas;
  }

  /** Every entry of the map, by generation, with the maxima of the epoch tagged `ended`. */
  private readMap(ended: number): Map<number, CountRow[]> {
    const rows = new Map<number, CountRow[]>(Array.from({ length: LIMITS.KW_GENERATIONS }, (_, g) => [g, []]));
    const slot = (ended & 1) as 0 | 1;
    const { keys, values, count } = this.bpf.entries('counts');
    const valueBytes = count === 0 ? 0 : values.length / count;
    for (let i = 0; i < count; i++) {
      const key = keys.subarray(i * KEY_SIZE, (i + 1) * KEY_SIZE);
      const generation = key.readUInt32LE(GENERATION_AT);
      const bit = key.readUInt32LE(RULE_AT);
      const agg = this.aggregates[generation]?.get(bit);
      const perCpu = values.subarray(i * valueBytes, (i + 1) * valueBytes);
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
      rows.get(generation)?.push({ key, bit, total, sum, max });
    }
    return rows;
  }

  /** What `rows` of `generation` added since they were last read, and the keys of groups idle long enough to delete. */
  private deltas(generation: number, rows: readonly CountRow[], now: number): { deltas: CountDelta[]; idle: Buffer[] } {
    const deltas: CountDelta[] = [];
    const idle: Buffer[] = [];
    for (const { key, bit, total, sum, max } of rows) {
      const agg = this.aggregates[generation]?.get(bit);
      const id = key.toString('hex');
      const known = this.totals.get(id);
      const delta = total - (known?.total ?? 0);
      if (delta <= 0) {
        if (known && now - known.changedAt > IDLE_MS) {
          idle.push(key);
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
      deltas.push({ bit, n: delta, sum: added, ...(agg?.max && max !== undefined ? { max: Number(max) * agg.max.scale } : {}), group });
    }
    return { deltas, idle };
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
