/** Reads the per-CPU `stats` map: per event kind, how many fired, were sent, were lost or shed. */
import { EVENTS } from '../events/catalog';
import { offsetOf } from '../kernel/c_layout';
import { MAP_STRUCTS, perCpuStride, u32Key } from '../kernel/map_layouts';
import type { BpfSessionHandle } from '../kernel/native';

export interface EventCounters {
  /** the tracepoint fired */
  readonly seen: number;
  /** a record went into the ring buffer */
  readonly sent: number;
  /** the ring buffer was full: a record could not be written */
  readonly lost: number;
  /** dropped in the kernel: no rule wanted it, or only rules counted there */
  readonly filtered: number;
  /** firings the kernel skipped because the program was already running on that CPU */
  readonly missed: number;
  /** wanted in userspace, but dropped in the kernel while userspace was overloaded (src/live/overload.ts) */
  readonly shed: number;
}

const { kw_stats } = MAP_STRUCTS;
const STRIDE = perCpuStride(kw_stats.size);
const SEEN = offsetOf(kw_stats, 'seen');
const SENT = offsetOf(kw_stats, 'sent');
const LOST = offsetOf(kw_stats, 'lost');
const FILTERED = offsetOf(kw_stats, 'filtered');
const SHED = offsetOf(kw_stats, 'shed');

export function readCounters(bpf: BpfSessionHandle): Map<string, EventCounters> {
  const out = new Map<string, EventCounters>();
  const misses = bpf.recursionMisses();
  for (const e of EVENTS) {
    const perCpu = bpf.lookup('stats', u32Key(e.kind));
    let seen = 0n;
    let sent = 0n;
    let lost = 0n;
    let filtered = 0n;
    let shed = 0n;
    for (let at = 0; perCpu && at + STRIDE <= perCpu.length; at += STRIDE) {
      seen += perCpu.readBigUInt64LE(at + SEEN);
      sent += perCpu.readBigUInt64LE(at + SENT);
      lost += perCpu.readBigUInt64LE(at + LOST);
      filtered += perCpu.readBigUInt64LE(at + FILTERED);
      shed += perCpu.readBigUInt64LE(at + SHED);
    }
    out.set(e.name, {
      seen: Number(seen),
      sent: Number(sent),
      lost: Number(lost),
      filtered: Number(filtered),
      missed: misses[e.program] ?? 0,
      shed: Number(shed),
    });
  }
  return out;
}

export function totalCounters(counters: ReadonlyMap<string, EventCounters>): EventCounters {
  let seen = 0;
  let sent = 0;
  let lost = 0;
  let filtered = 0;
  let missed = 0;
  let shed = 0;
  for (const c of counters.values()) {
    seen += c.seen;
    sent += c.sent;
    lost += c.lost;
    filtered += c.filtered;
    missed += c.missed;
    shed += c.shed;
  }
  return { seen, sent, lost, filtered, missed, shed };
}
