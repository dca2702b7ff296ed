/**
 * What a tick's read of the kernel counts costs with 1,000 and 10,000 groups
 * in the `counts` per-CPU hash, side by side in one run: the batch read
 * (BPF_MAP_LOOKUP_BATCH, a call or two for the whole map), the get_next_key
 * walk with a lookup per key that stands in where the kernel refuses it
 * (two system calls per key, as the agent read before batch reads), and
 * that walk's keys looked up once more one lookup() at a time from
 * JavaScript, as read() did before (this row counts the walk's own lookups
 * too). Then whole ticks of KernelCounts, every group changed since the
 * last tick, on each read. Configurations alternate within rounds so that
 * machine noise hits them alike; medians, and each row against the batch.
 *
 *   ROUNDS=9 node dist/bench/kernel_counts.js
 */
import { CgroupPaths } from '../src/events/cgroup_paths';
import { encodeStruct, offsetOf } from '../src/kernel/c_layout';
import { LIMITS } from '../src/kernel/limits';
import { MAP_STRUCTS, perCpuStride } from '../src/kernel/map_layouts';
import { nativeAddon, type BpfSessionHandle, type EntriesOptions } from '../src/kernel/native';
import { KernelCounts } from '../src/live/kernel_counts';
import { median } from './support/side_by_side';

const ROUNDS = Number(process.env.ROUNDS ?? 7);
/** reads per configuration per round, their median kept */
const READS = 10;
const { kw_count_key, kw_count } = MAP_STRUCTS;
const STRIDE = perCpuStride(kw_count.size);
const EVENTS_AT = offsetOf(kw_count, 'events');

interface Row {
  readonly name: string;
  /** one read; returns the entries it saw */
  readonly run: () => number;
  /** before each read, outside the time taken */
  readonly before?: () => void;
}

function fill(bpf: BpfSessionHandle, n: number, cpus: number, events: number): void {
  const value = Buffer.alloc(STRIDE * cpus);
  for (let c = 0; c < cpus; c++) value.writeBigUInt64LE(BigInt(events), c * STRIDE + EVENTS_AT);
  for (let i = 0; i < n; i++) bpf.update('counts', encodeStruct(kw_count_key, { rule: i % LIMITS.KW_MAX_RULES, generation: 0, group: BigInt(i) }), value);
}

/** The session with every read of it a get_next_key walk. */
function walking(bpf: BpfSessionHandle): BpfSessionHandle {
  return new Proxy(bpf, {
    get(target, p) {
      if (p === 'entries') return (map: string, options?: EntriesOptions) => target.entries(map, { ...options, walk: true });
      const v: unknown = Reflect.get(target, p);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

/** KernelCounts of one tgid-grouped count rule in generation 0, stepped and read for both generations, as a tick does. */
function ticker(bpf: BpfSessionHandle): () => number {
  const counts = new KernelCounts(bpf, CgroupPaths.forHost());
  counts.setAggregates(0, new Map([[0, { groupBy: 'tgid' as const }]]));
  return () => {
    const ended = counts.step();
    return [...counts.read(ended).values()].reduce((n, deltas) => n + deltas.length, 0);
  };
}

function timeRows(rows: readonly Row[]): Map<string, { us: number; seen: number }> {
  const samples = new Map<string, number[]>(rows.map((r) => [r.name, []]));
  const seen = new Map<string, number>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of rows) {
      const times: number[] = [];
      for (let i = 0; i < READS; i++) {
        r.before?.();
        const started = process.hrtime.bigint();
        seen.set(r.name, r.run());
        times.push(Number(process.hrtime.bigint() - started) / 1e3);
      }
      samples.get(r.name)?.push(median(times));
    }
  }
  return new Map(rows.map((r) => [r.name, { us: median(samples.get(r.name) ?? []), seen: seen.get(r.name) ?? 0 }]));
}

function report(n: number, results: Map<string, { us: number; seen: number }>, base: string): void {
  const against = results.get(base)?.us ?? NaN;
  for (const [name, { us, seen }] of results) {
    const ratio = name === base ? '1.0x' : `${(us / against).toFixed(1)}x`;
    console.log(
      `${String(n).padStart(6)}  ${name.padEnd(40)} ${us.toFixed(0).padStart(9)} ${(us / n).toFixed(2).padStart(8)} ${ratio.padStart(8)} ${String(seen).padStart(7)}`,
    );
  }
}

function main(): void {
  if (process.getuid?.() !== 0) {
    console.log('kernel_counts: skipped, needs root');
    return;
  }
  const addon = nativeAddon();
  const cpus = addon.possibleCpus();
  console.log(
    `kernel counts, one tick's read, medians of ${ROUNDS} alternated rounds of ${READS} reads (${cpus} possible CPUs, libbpf ${addon.libbpfVersion()})`,
  );
  console.log(`${'groups'.padStart(6)}  ${'read'.padEnd(40)} ${'µs'.padStart(9)} ${'µs/key'.padStart(8)} ${'vs batch'.padStart(8)} ${'entries'.padStart(7)}`);
  for (const n of [1_000, 10_000]) {
    const bpf = new addon.BpfSession();
    try {
      bpf.load([]);
      fill(bpf, n, cpus, 1);
      report(
        n,
        timeRows([
          { name: 'batch read', run: () => bpf.entries('counts').count },
          { name: 'get_next_key walk + lookup per key', run: () => bpf.entries('counts', { walk: true }).count },
          {
            name: 'walk, then lookup() per key from JS',
            run: () => {
              const { keys, count } = bpf.entries('counts', { walk: true });
              for (let i = 0; i < count; i++) bpf.lookup('counts', keys.subarray(i * kw_count_key.size, (i + 1) * kw_count_key.size));
              return count;
            },
          },
        ]),
        'batch read',
      );
      // every group changed since the last tick: each tick's read has a delta per group to make
      let events = 1;
      const change = (): void => fill(bpf, n, cpus, ++events);
      report(
        n,
        timeRows([
          { name: 'tick: KernelCounts on the batch read', run: ticker(bpf), before: change },
          { name: 'tick: KernelCounts on the walk', run: ticker(walking(bpf)), before: change },
        ]),
        'tick: KernelCounts on the batch read',
      );
    } finally {
      bpf.close();
    }
  }
}

main();
