/**
 * `kernwatch tail [EVENT...] [--duration S] [--json]`: streams live events,
 * then says how many were seen, delivered and lost.
 */
import type { Writable } from 'node:stream';
import { parseArgs } from 'node:util';
import { EVENTS } from '../events/catalog';
import { eventToJson } from '../events/event';
import { KernelSession } from '../live/session';
import { totalCounters } from '../live/stats';
import { renderEvent } from './render_event';
import { parseDuration, UsageError } from './usage_error';
import { OutputWriter } from './output_writer';
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

/** Streams `events` to `stream` until the duration ends or a signal comes, then reports counts on stderr. */
export async function streamEvents(events: readonly string[], durationMs: number | undefined, stream: Writable, json: boolean): Promise<number> {
  const out = new OutputWriter(stream);
  let delivered = 0;
  let readerError: Error | undefined;
  const session = KernelSession.start({
    events,
    onEvents: (batch) => {
      delivered += batch.length;
      for (const e of batch) out.write(json ? JSON.stringify(eventToJson(e)) : renderEvent(e));
    },
    onError: (e) => {
      readerError = e;
    },
  });
  for (const [event, reason] of session.unavailable) process.stderr.write(`kernwatch: warning: ${event} is unavailable on this kernel (${reason}); skipped\n`);
  for (const [event, reason] of session.degraded) process.stderr.write(`kernwatch: note: ${event} runs with less detail on this host (${reason})\n`);
  process.stderr.write(`kernwatch: watching ${session.attached.length} events\n`);
  try {
    await untilSignalOr(durationMs);
  } finally {
    await session.stop();
    const counters = session.counters();
    session.close();
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
  }
  if (readerError) {
    process.stderr.write(`kernwatch: reading events failed: ${readerError.message}\n`);
    return 1;
  }
  return 0;
}
