/**
 * Byte offsets of the C records, computed from the catalog's member lists
 * with the C rules for natural alignment. test/layout.test.ts compares every
 * offset with the BTF of the compiled BPF object.
 */
import { HEADER_MEMBERS } from './catalog';
import type { EventSpec } from './types';
import type { CType, MemberSpec } from './types';

export const COMM_LEN = 16;
export const PATH_LEN = 256;

const SIZE: Record<CType, number> = { u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, comm: COMM_LEN, path: PATH_LEN };
const ALIGN: Record<CType, number> = { u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, comm: 1, path: 1 };

export interface PlacedMember extends MemberSpec {
  readonly offset: number;
  readonly size: number;
}

export interface RecordLayout {
  readonly members: readonly PlacedMember[];
  readonly size: number;
}

const alignUp = (n: number, to: number): number => Math.ceil(n / to) * to;

function place(members: readonly MemberSpec[], start: number, startAlign: number): RecordLayout {
  let offset = start;
  let maxAlign = startAlign;
  const placed: PlacedMember[] = [];
  for (const m of members) {
    offset = alignUp(offset, ALIGN[m.ctype]);
    placed.push({ ...m, offset, size: SIZE[m.ctype] });
    offset += SIZE[m.ctype];
    maxAlign = Math.max(maxAlign, ALIGN[m.ctype]);
  }
  return { members: placed, size: alignUp(offset, maxAlign) };
}

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
