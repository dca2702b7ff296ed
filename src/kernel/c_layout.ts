/**
 * Where the members of a C struct of bpf/kernwatch.h sit, as clang placed
 * them for BPF (src/kernel/kernwatch_h.ts, generated from the header), and
 * the bytes of a struct written or read by member name.
 */
import { KW_STRUCTS, type KwStructName } from './kernwatch_h';
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

function isCType(type: string): type is CType {
  return type in SIZE;
}

/** Struct `name` of the header, every member at its offset; `h`, a record's header, stays a struct of its own. */
export function structLayout(name: KwStructName): StructLayout {
  const s = KW_STRUCTS[name];
  const members: Placed<CMember>[] = [];
  for (const m of s.members) {
    if (m.type.startsWith('struct ')) continue;
    if (!isCType(m.type)) throw new Error(`${name}.${m.name}: type ${m.type} has no reader here`);
    members.push({ c: m.name, ctype: m.type, offset: m.offset, size: m.size });
  }
  return { members, size: s.size };
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
