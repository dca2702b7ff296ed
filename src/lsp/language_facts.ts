/**
 * What the editor says about a name: an event's catalog entry, a field's
 * type and unit, a let's definition. From the catalog and the rule set's
 * lets, the same ones the checker uses.
 */
import { COMMON_FIELDS, EVENTS, eventByName, fieldsOf } from '../events/catalog';
import type { EventSpec, FieldSpec } from '../events/types';
import type { LetEntry } from '../dsl';

/** The event a name in a selector means: `oom.victim`, or the event of `migrate.pages.failed`. */
export function eventInScope(name: string | undefined): EventSpec | undefined {
  if (!name) return undefined;
  const direct = eventByName(name);
  if (direct) return direct;
  const cut = name.lastIndexOf('.');
  return cut > 0 ? eventByName(name.slice(0, cut)) : undefined;
}

/** `number (bytes)`, `enum: compaction, ...`: a field's type as a rule author needs it. */
export function fieldType(f: FieldSpec): string {
  if (f.type === 'enum') return `enum: ${(f.values ?? []).join(', ')}`;
  return f.unit ? `${f.type} (${f.unit === 'ns' ? 'a duration' : 'a size'}, written like ${f.unit === 'ns' ? '500ms' : '64MiB'})` : f.type;
}

export function describeEvent(e: EventSpec): string {
  const rate = e.highRate ? '\n\nHigh rate: bursts of thousands a second are normal.' : '';
  const fields = e.fields.map((f) => `- \`${f.name}\`: ${fieldType(f)}`).join('\n');
  return `**${e.name}** (tracepoint \`${e.tracepoint}\`)\n\n${e.doc}${rate}\n\nFields beyond the common ones:\n${fields || '- none'}`;
}

export function describeField(f: FieldSpec, event: EventSpec | undefined): string {
  const where = event ? ` on ${event.name}` : '';
  return `**${f.name}**${where}: ${fieldType(f)}\n\n${f.doc}`;
}

/** A field by name: of the event in scope, else of any event (a let's fields are resolved where it is used). */
export function fieldFor(name: string, event: EventSpec | undefined): FieldSpec | undefined {
  if (event) return fieldsOf(event).find((f) => f.name === name);
  return [...COMMON_FIELDS, ...EVENTS.flatMap((e) => e.fields)].find((f) => f.name === name);
}

export function describeLet(name: string, entry: LetEntry, text: string | undefined): string {
  const source = text?.slice(entry.decl.range.start.offset, entry.decl.range.end.offset) ?? `let ${name} = ...`;
  return `\`\`\`kernwatch\n${source}\n\`\`\`\n\nDefined in ${entry.file}:${entry.decl.range.start.line}`;
}

export const AGGREGATE_DOCS: Readonly<Record<string, string>> = {
  count: '`count(event) > N within D`: how many events in the last D',
  rate: '`rate(event) > N within D`: events per second over the last D',
  sum: '`sum(event.field) > N within D`: the total of a number field over the last D',
  max: '`max(event.field) > N within D`: the largest value of a number field in the last D',
  distinct: '`distinct(event.field) > N within D`: how many different values of a field in the last D',
};
