/**
 * Recorded events (`kernwatch record`, JSON lines of eventToJson) read back
 * into KernelEvents with the catalog's types: ids become bigints again. A
 * line that is not a known event is an error with its line number. A gap
 * line (`{"gap": {"process.fork": 120}, "time": ...}`, gapToJson) says that
 * many records of each event are missing from the recording before its time.
 */
import { COMMON_FIELDS, eventByName } from './catalog';
import type { FieldValue, KernelEvent } from './event';

export class EventJsonError extends Error {}

export function eventFromJson(line: string, where: string): KernelEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (e) {
    throw new EventJsonError(`${where}: not JSON (${(e as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new EventJsonError(`${where}: expected an object`);
  const o = raw as Record<string, unknown>;
  const spec = typeof o.event === 'string' ? eventByName(o.event) : undefined;
  if (!spec) throw new EventJsonError(`${where}: unknown event ${JSON.stringify(o.event)}`);
  const time = typeof o.time === 'string' ? Date.parse(o.time) : NaN;
  if (Number.isNaN(time)) throw new EventJsonError(`${where}: "time" must be an ISO timestamp`);
  const fields: Record<string, FieldValue> = {};
  for (const f of [...COMMON_FIELDS, ...spec.fields]) {
    const v = o[f.name];
    if (v === undefined || v === null) continue;
    if (f.type === 'id') {
      if (typeof v !== 'string' || !/^\d+$/.test(v)) throw new EventJsonError(`${where}: ${f.name} must be a decimal string`);
      fields[f.name] = BigInt(v);
    } else if (f.type === 'number') {
      if (typeof v !== 'number') throw new EventJsonError(`${where}: ${f.name} must be a number`);
      fields[f.name] = v;
    } else if (f.type === 'bool') {
      if (typeof v !== 'boolean') throw new EventJsonError(`${where}: ${f.name} must be true or false`);
      fields[f.name] = v;
    } else {
      if (typeof v !== 'string') throw new EventJsonError(`${where}: ${f.name} must be a string`);
      fields[f.name] = v;
    }
  }
  const mono = typeof o.mono_ns === 'string' && /^\d+$/.test(o.mono_ns) ? BigInt(o.mono_ns) : BigInt(Math.round(time * 1e6));
  return { name: spec.name, monoNs: mono, time, rules: 0n, generation: 0, truncated: o.truncated === true, fields };
}

/** Records missing from a recording before `time`: lost in the kernel, shed, or not written by a slow output. */
export interface RecordingGap {
  /** wall-clock ms */
  readonly time: number;
  /** per event name */
  readonly missing: Readonly<Record<string, number>>;
}

export function gapToJson(gap: RecordingGap): Record<string, unknown> {
  return { gap: gap.missing, time: new Date(gap.time).toISOString() };
}

export interface Recording {
  readonly events: KernelEvent[];
  readonly gaps: RecordingGap[];
}

export function recordingFromJsonLines(text: string, file: string): Recording {
  const events: KernelEvent[] = [];
  const gaps: RecordingGap[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() === '') return;
    const where = `${file}:${i + 1}`;
    if (line.startsWith('{"gap":')) gaps.push(gapFromJson(line, where));
    else events.push(eventFromJson(line, where));
  });
  return { events, gaps };
}

export function eventsFromJsonLines(text: string, file: string): KernelEvent[] {
  return recordingFromJsonLines(text, file).events;
}

function gapFromJson(line: string, where: string): RecordingGap {
  let raw: { gap?: unknown; time?: unknown };
  try {
    raw = JSON.parse(line) as typeof raw;
  } catch (e) {
    throw new EventJsonError(`${where}: not JSON (${(e as Error).message})`);
  }
  const time = typeof raw.time === 'string' ? Date.parse(raw.time) : NaN;
  if (Number.isNaN(time)) throw new EventJsonError(`${where}: "time" must be an ISO timestamp`);
  const missing: Record<string, number> = {};
  if (typeof raw.gap !== 'object' || raw.gap === null) throw new EventJsonError(`${where}: "gap" must map events to counts`);
  for (const [name, n] of Object.entries(raw.gap)) {
    if (!eventByName(name)) throw new EventJsonError(`${where}: unknown event ${JSON.stringify(name)} in "gap"`);
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new EventJsonError(`${where}: "gap" counts must be whole numbers`);
    missing[name] = n;
  }
  return { time, missing };
}
