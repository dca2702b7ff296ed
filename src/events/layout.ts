/**
 * Where the catalog's members sit in their C records: the catalog says what
 * each member means (the field it fills, its scale), src/kernel/kernwatch_h.ts
 * (generated from bpf/kernwatch.h) where clang put it. The two must name the
 * same members with the same types in the same order, or nothing decodes.
 */
import type { Placed, StructLayout } from '../kernel/c_layout';
import { KW_STRUCTS, type KwStruct } from '../kernel/kernwatch_h';
import { LIMITS } from '../kernel/limits';
import { HEADER_MEMBERS } from './catalog';
import type { EventSpec, MemberSpec } from './types';

export const COMM_LEN = LIMITS.KW_COMM_LEN;
export const PATH_LEN = LIMITS.KW_PATH_LEN;

export type PlacedMember = Placed<MemberSpec>;
export type RecordLayout = StructLayout<MemberSpec>;

const STRUCTS: Readonly<Record<string, KwStruct>> = KW_STRUCTS;

/** `members` placed where struct `record` has them; throws when they are not its members, name by name and type by type. */
function place(record: string, members: readonly MemberSpec[], skipHeader: boolean): RecordLayout {
  const struct = STRUCTS[record];
  if (!struct) throw new Error(`the catalog names struct ${record}, which bpf/kernwatch.h does not define`);
  const inC = struct.members;
  if (skipHeader && (inC[0]?.name !== 'h' || inC[0].type !== 'struct kw_header')) throw new Error(`struct ${record} does not start with struct kw_header h`);
  const own = skipHeader ? inC.slice(1) : inC;
  const differs = own.length !== members.length || own.some((m, i) => m.name !== members[i]?.c || m.type !== members[i]?.ctype);
  if (differs) {
    const list = (ms: ReadonlyArray<{ name: string; type: string }>): string => ms.map((m) => `${m.type} ${m.name}`).join(', ');
    throw new Error(
      `the catalog's members of struct ${record} [${list(members.map((m) => ({ name: m.c, type: m.ctype })))}] are not bpf/kernwatch.h's [${list(own)}]`,
    );
  }
  return { members: members.map((m, i) => ({ ...m, offset: own[i]?.offset ?? 0, size: own[i]?.size ?? 0 })), size: struct.size };
}

export const HEADER_LAYOUT: RecordLayout = place('kw_header', HEADER_MEMBERS, false);

/** Layout of an event's record: struct kw_header h, then the event's members. */
export function recordLayout(spec: Pick<EventSpec, 'record' | 'members'>): RecordLayout {
  return place(spec.record, spec.members, true);
}

const MEMBERS = new Map<string, readonly PlacedMember[]>();

/** Every member of an event's record, header included, placed; computed once per event. */
export function recordMembers(spec: EventSpec): readonly PlacedMember[] {
  let members = MEMBERS.get(spec.name);
  if (!members) {
    members = [...HEADER_LAYOUT.members, ...recordLayout(spec).members];
    MEMBERS.set(spec.name, members);
  }
  return members;
}

/** The member that fills catalog field `name` on its own, if there is one. */
export function memberOfField(spec: EventSpec, name: string): PlacedMember | undefined {
  return recordMembers(spec).find((m) => m.field === name);
}
