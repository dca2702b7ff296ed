/**
 * `kernwatch events [--json]`: the catalog, for people and for tools, with
 * whether each event runs on this kernel (checked by loading its program
 * when kernwatch may load BPF; otherwise said to be unchecked).
 */
import { parseArgs } from 'node:util';
import { EVENTS, fieldsOf } from '../events/catalog';
import { probeEvents, type EventAvailability } from '../live/probe';

export function eventsCommand(args: readonly string[]): number {
  const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } }, strict: true });
  const availability = probeEvents();
  if (values.json) {
    const catalog = EVENTS.map((e) => ({
      name: e.name,
      tracepoint: e.tracepoint,
      family: e.family,
      high_rate: e.highRate,
      available: availability ? availability.get(e.name) === undefined : null,
      ...(availability?.get(e.name) ? { unavailable_reason: availability.get(e.name) } : {}),
      doc: e.doc,
      fields: fieldsOf(e).map((f) => ({ name: f.name, type: f.type, unit: f.unit, values: f.values, doc: f.doc })),
    }));
    process.stdout.write(`${JSON.stringify(catalog, null, 2)}\n`);
    return 0;
  }
  for (const e of EVENTS) {
    process.stdout.write(`${e.name}  (${e.tracepoint}${e.highRate ? ', high rate' : ''})${availabilityNote(availability, e.name)}\n  ${e.doc}\n`);
    for (const f of e.fields) {
      const type = f.type === 'enum' ? `enum(${(f.values ?? []).join('|')})` : f.type;
      process.stdout.write(`    ${f.name.padEnd(18)} ${(type + (f.unit ? ` [${f.unit}]` : '')).padEnd(24)} ${f.doc}\n`);
    }
  }
  process.stdout.write('\nEvery event also has: pid, tgid, uid, comm, cpu, cgroup, cgroup_id.\n');
  process.stdout.write(availabilitySummary(availability));
  return 0;
}

function availabilityNote(availability: EventAvailability | undefined, event: string): string {
  const reason = availability?.get(event);
  return reason === undefined ? '' : `  UNAVAILABLE on this kernel: ${reason}`;
}

function availabilitySummary(availability: EventAvailability | undefined): string {
  if (!availability) return 'Not checked which events this kernel runs: that needs root (or CAP_BPF with CAP_PERFMON).\n';
  const unavailable = [...availability.values()].filter((r) => r !== undefined).length;
  return `This kernel runs ${availability.size - unavailable} of ${availability.size} events${unavailable > 0 ? ` (${unavailable} unavailable, see above)` : ''}.\n`;
}
