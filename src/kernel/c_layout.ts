/**
 * Where the members of a C struct of bpf/kernwatch.h sit, computed with the
 * C rules for natural alignment, and the bytes of a struct written or read by
 * member name. test/live/layout.test.ts holds every layout declared with this
 * against the BTF of the compiled BPF object.
 */
import { LIMITS } from './limits';

/** C member types used in bpf/kernwatch.h. */
export type CType = 'u8' | 'u16' | 's16' | 'u32' | 's32' | 'u64' | 'comm' | 'path' | 'segment';

export interface CMember {
  readonly c: string;
  readonly ctype: CType;
}

export type Placed<M extends CMember> = M & { readonly offset: number; readonly size: number };

export interface StructLayout<M extends CMember = CMember> {
  readonly members: readonly Placed<M>[];
  readonly size: number;
}

const SIZE: Record<CType, number> = {
  u8: 1,
  u16: 2,
  s16: 2,
  u32: 4,
  s32: 4,
  u64: 8,
  comm: LIMITS.KW_COMM_LEN,
  path: LIMITS.KW_PATH_LEN,
  segment: LIMITS.KW_SEGMENT_LEN,
};
const ALIGN: Record<CType, number> = { u8: 1, u16: 2, s16: 2, u32: 4, s32: 4, u64: 8, comm: 1, path: 1, segment: 1 };

const alignUp = (n: number, to: number): number => Math.ceil(n / to) * to;

/** Places `members` from byte `start`, the struct aligned to at least `startAlign`. */
export function placeStruct<M extends CMember>(members: readonly M[], start = 0, startAlign = 1): StructLayout<M> {
  let offset = start;
  let maxAlign = startAlign;
  const placed: Placed<M>[] = [];
  for (const m of members) {
    offset = alignUp(offset, ALIGN[m.ctype]);
    placed.push({ ...m, offset, size: SIZE[m.ctype] });
    offset += SIZE[m.ctype];
    maxAlign = Math.max(maxAlign, ALIGN[m.ctype]);
  }
  return { members: placed, size: alignUp(offset, maxAlign) };
}

/** A struct declared as [member, type] pairs, in C order. */
export function cStruct(members: ReadonlyArray<readonly [string, CType]>): StructLayout {
  return placeStruct(members.map(([c, ctype]) => ({ c, ctype })));
}

/** A string member takes text (NUL-terminated) or raw bytes (a Buffer, copied as they are). */
export type CValue = number | bigint | string | Buffer;

/** The struct's bytes: named members set, every other byte zero (padding included). */
export function encodeStruct(layout: StructLayout, values: Readonly<Record<string, CValue>>): Buffer {
  const b = Buffer.alloc(layout.size);
  for (const [name, value] of Object.entries(values)) {
    const m = layout.members.find((x) => x.c === name);
    if (!m) throw new Error(`no member ${name} in this struct`);
    writeMember(b, m, value);
  }
  return b;
}

function scalar(value: CValue): number | bigint | string {
  if (Buffer.isBuffer(value)) throw new Error('raw bytes fit only a string member');
  return value;
}

function writeMember(b: Buffer, m: Placed<CMember>, value: CValue): void {
  switch (m.ctype) {
    case 'u8':
      b.writeUInt8(Number(scalar(value)), m.offset);
      return;
    case 'u16':
      b.writeUInt16LE(Number(scalar(value)), m.offset);
      return;
    case 's16':
      b.writeInt16LE(Number(scalar(value)), m.offset);
      return;
    case 'u32':
      b.writeUInt32LE(Number(scalar(value)), m.offset);
      return;
    case 's32':
      b.writeInt32LE(Number(scalar(value)), m.offset);
      return;
    case 'u64':
      b.writeBigUInt64LE(BigInt.asUintN(64, BigInt(scalar(value))), m.offset);
      return;
    case 'comm':
    case 'path':
    case 'segment':
      if (Buffer.isBuffer(value)) value.copy(b, m.offset, 0, m.size);
      // NUL-terminated within its array, as the kernel writes strings
      else Buffer.from(String(value), 'utf8').copy(b, m.offset, 0, m.size - 1);
      return;
  }
}

/** The byte offset of member `name`; throws for a name the struct lacks. */
export function offsetOf(layout: StructLayout, name: string): number {
  const m = layout.members.find((x) => x.c === name);
  if (!m) throw new Error(`no member ${name} in this struct`);
  return m.offset;
}
