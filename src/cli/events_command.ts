/** `kernwatch events [--json]`: the catalog, for people and for tools. */
import { parseArgs } from 'node:util';
import { EVENTS, fieldsOf } from '../events/catalog';

export function eventsCommand(args: readonly string[]): number {
  const { values } = parseArgs({ args: [...args], options: { json: { type: 'boolean', default: false } }, strict: true });
  if (values.json) {
    const catalog = EVENTS.map((e) => ({
      name: e.name,
      tracepoint: e.tracepoint,
      family: e.family,
      high_rate: e.highRate,
      doc: e.doc,
      fields: fieldsOf(e).map((f) => ({ name: f.name, type: f.type, unit: f.unit, values: f.values, doc: f.doc })),
    }));
    process.stdout.write(`${JSON.stringify(catalog, null, 2)}\n`);
    return 0;
  }
  for (const e of EVENTS) {
    process.stdout.write(`${e.name}  (${e.tracepoint}${e.highRate ? ', high rate' : ''})\n  ${e.doc}\n`);
    for (const f of e.fields) {
      const type = f.type === 'enum' ? `enum(${(f.values ?? []).join('|')})` : f.type;
      process.stdout.write(`    ${f.name.padEnd(18)} ${(type + (f.unit ? ` [${f.unit}]` : '')).padEnd(24)} ${f.doc}\n`);
    }
  }
  process.stdout.write('\nEvery event also has: pid, tgid, uid, comm, cpu, cgroup, cgroup_id.\n');
  return 0;
}
