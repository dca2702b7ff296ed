/** Reads the per-CPU `stats` map: per event kind, how many fired, were sent, were lost. */
import { EVENTS } from '../events/catalog';
import type { BpfSessionHandle } from './native';

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
}

const VALUE_STRIDE = 32; // struct kw_stats, already a multiple of 8

export function readCounters(bpf: BpfSessionHandle): Map<string, EventCounters> {
  const out = new Map<string, EventCounters>();
  const misses = bpf.recursionMisses();
  const key = Buffer.alloc(4);
  for (const e of EVENTS) {
    key.writeUInt32LE(e.kind);
    const perCpu = bpf.lookup('stats', key);
    let seen = 0n;
    let sent = 0n;
    let lost = 0n;
    let filtered = 0n;
    for (let at = 0; perCpu && at + VALUE_STRIDE <= perCpu.length; at += VALUE_STRIDE) {
      seen += perCpu.readBigUInt64LE(at);
      sent += perCpu.readBigUInt64LE(at + 8);
      lost += perCpu.readBigUInt64LE(at + 16);
      filtered += perCpu.readBigUInt64LE(at + 24);
    }
    out.set(e.name, { seen: Number(seen), sent: Number(sent), lost: Number(lost), filtered: Number(filtered), missed: misses[e.program] ?? 0 });
  }
  return out;
}

export function totalCounters(counters: ReadonlyMap<string, EventCounters>): EventCounters {
  let seen = 0;
  let sent = 0;
  let lost = 0;
  let filtered = 0;
  let missed = 0;
  for (const c of counters.values()) {
    seen += c.seen;
    sent += c.sent;
    lost += c.lost;
    filtered += c.filtered;
    missed += c.missed;
  }
  return { seen, sent, lost, filtered, missed };
}
