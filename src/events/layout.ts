/**
 * Byte offsets of the C records, computed from the catalog's member lists
 * with the C rules for natural alignment. test/live/layout.test.ts compares every
 * offset with the BTF of the compiled BPF object.
 */
import { placeStruct, type Placed, type StructLayout } from '../kernel/c_layout';
import { LIMITS } from '../kernel/limits';
import { HEADER_MEMBERS } from './catalog';
import type { EventSpec, MemberSpec } from './types';

export const COMM_LEN = LIMITS.KW_COMM_LEN;
export const PATH_LEN = LIMITS.KW_PATH_LEN;

export type PlacedMember = Placed<MemberSpec>;
export type RecordLayout = StructLayout<MemberSpec>;

const place = placeStruct<MemberSpec>;

export const HEADER_LAYOUT: RecordLayout = place(HEADER_MEMBERS, 0, 1);

/** Layout of a record: struct kw_header h, then the event's members. */
export function recordLayout(members: readonly MemberSpec[]): RecordLayout {
  return place(members, HEADER_LAYOUT.size, 8);
}

const MEMBERS = new Map<string, readonly PlacedMember[]>();

/** Every member of an event's record, header included, placed; computed once per event. */
export function recordMembers(spec: EventSpec): readonly PlacedMember[] {
  let members = MEMBERS.get(spec.name);
  if (!members) {
    members = [...HEADER_LAYOUT.members, ...recordLayout(spec.members).members];
    MEMBERS.set(spec.name, members);
  }
  return members;
}

/** The member that fills catalog field `name` on its own, if there is one. */
export function memberOfField(spec: EventSpec, name: string): PlacedMember | undefined {
  return recordMembers(spec).find((m) => m.field === name);
}
