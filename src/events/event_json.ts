/**
 * Recorded events (`kernwatch record`, JSON lines of eventToJson) read back
 * into KernelEvents with the catalog's types: ids become bigints again. A
 * line that is not a known event is an error with its line number.
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

export function eventsFromJsonLines(text: string, file: string): KernelEvent[] {
  const out: KernelEvent[] = [];
  text.split('\n').forEach((line, i) => {
    if (line.trim() !== '') out.push(eventFromJson(line, `${file}:${i + 1}`));
  });
  return out;
}
