/**
 * `kernwatch tail [EVENT...] [--duration S] [--json]`: streams live events,
 * then says how many were seen, delivered and lost.
 */
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { EVENTS, isUrgent } from '../events/catalog';
import { eventToJson } from '../events/event';
import { gapToJson } from '../events/event_json';
import { KernelSession } from '../live/session';
import { totalCounters, type EventCounters } from '../live/stats';
import { renderEvent } from './render_event';
import { parseDuration, UsageError } from './usage_error';
import { OutputWriter, type LineKind } from './output_writer';
import { untilSignalOr } from './signals';

/** `process.*` and `cgroup.mkdir` alike, every event when none is named; an unknown name is a usage error. */
export function expandEventPatterns(patterns: readonly string[]): string[] {
  if (patterns.length === 0) return EVENTS.map((e) => e.name);
  const names: string[] = [];
  for (const p of patterns) {
    const matching = p.endsWith('.*') ? EVENTS.filter((e) => e.name.startsWith(p.slice(0, -1))) : EVENTS.filter((e) => e.name === p);
    if (matching.length === 0) throw new UsageError(`unknown event '${p}' (see 'kernwatch events')`);
    for (const e of matching) if (!names.includes(e.name)) names.push(e.name);
  }
  return names;
}

export async function tailCommand(args: readonly string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...args],
    options: { duration: { type: 'string' }, json: { type: 'boolean', default: false } },
    allowPositionals: true,
    strict: true,
  });
  const durationMs = values.duration !== undefined ? parseDuration(values.duration, '--duration') : undefined;
  return streamEvents(expandEventPatterns(positionals), durationMs, process.stdout, values.json === true);
}

/** Rare events' lines are never dropped for high-rate ones when the output is slow. */
const LINE_KINDS = new Map<string, LineKind>(EVENTS.map((e) => [e.name, { name: e.name, rare: isUrgent(e) }]));
const GAP_LINE: LineKind = { name: 'gap', rare: true };
/** how often a recording says what is missing from it */
const GAP_INTERVAL_MS = 1000;

/**
 * Streams `events` to `stream` until the duration ends or a signal comes,
 * then reports counts on stderr. With `markGaps` (a recording), a gap line
 * each second says how many records of each event are missing so far.
 */
export async function streamEvents(
  events: readonly string[],
  durationMs: number | undefined,
  stream: Writable,
  json: boolean,
  markGaps = false,
): Promise<number> {
  const out = new OutputWriter(stream);
  let delivered = 0;
  let readerError: Error | undefined;
  const session = KernelSession.start({
    events,
    onEvents: (batch) => {
      delivered += batch.length;
      for (const e of batch) out.write(json ? JSON.stringify(eventToJson(e)) : renderEvent(e), LINE_KINDS.get(e.name));
    },
    onError: (e) => {
      readerError = e;
    },
  });
  const gaps = markGaps ? new GapMarker(session, out) : undefined;
  const gapTimer = gaps ? setInterval(() => gaps.mark(session.counters()), GAP_INTERVAL_MS) : undefined;
  for (const [event, reason] of session.unavailable) process.stderr.write(`kernwatch: warning: ${event} is unavailable on this kernel (${reason}); skipped\n`);
  for (const [event, reason] of session.degraded) process.stderr.write(`kernwatch: note: ${event} runs with less detail on this host (${reason})\n`);
  process.stderr.write(`kernwatch: watching ${session.attached.length} events\n`);
  try {
    await untilSignalOr(durationMs);
  } finally {
    clearInterval(gapTimer);
    await session.stop();
    const counters = session.counters();
    session.close();
    gaps?.mark(counters);
    await out.flush();
    const total = totalCounters(counters);
    process.stderr.write(
      `kernwatch: ${total.seen} events seen, ${delivered} delivered, ${total.lost} lost` +
        (total.missed > 0 ? `, ${total.missed} skipped by the kernel (program already running on that CPU)` : '') +
        (session.decoder.stats.malformed > 0 ? `, ${session.decoder.stats.malformed} malformed` : '') +
        (out.dropped > 0 ? `, ${out.dropped} not written (the output was slower than the events)` : '') +
        '\n',
    );
    for (const [name, c] of counters) {
      if (c.lost > 0) process.stderr.write(`kernwatch:   ${name}: ${c.lost} of ${c.seen} lost (ring buffer full)\n`);
    }
    for (const [name, n] of out.droppedByKind) process.stderr.write(`kernwatch:   ${name}: ${n} not written (the output was slower)\n`);
  }
  if (readerError) {
    process.stderr.write(`kernwatch: reading events failed: ${readerError.message}\n`);
    return 1;
  }
  return 0;
}

/** Writes what is missing from a recording since the last mark: lost in the kernel, or not written. */
class GapMarker {
  private readonly reported = new Map<string, number>();

  constructor(
    private readonly session: KernelSession,
    private readonly out: OutputWriter,
  ) {}

  mark(counters: ReadonlyMap<string, EventCounters>): void {
    const missing: Record<string, number> = {};
    for (const [name, c] of counters) {
      const total = c.lost + c.missed + c.shed + (this.out.droppedByKind.get(name) ?? 0);
      const before = this.reported.get(name) ?? 0;
      if (total > before) missing[name] = total - before;
      this.reported.set(name, total);
    }
    if (Object.keys(missing).length > 0) this.out.write(JSON.stringify(gapToJson({ time: this.session.decoder.now(), missing })), GAP_LINE);
  }
}
