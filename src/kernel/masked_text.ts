/**
 * Text the kernel compares under a mask (comm patterns, cgroup glob
 * states): the text's bytes laid out in a fixed-size array, from its start
 * (a prefix, a literal) or ending at its end (a suffix, which the kernel
 * compares with a name moved to end there too), and 0xff under each of
 * them. A name matches when its bytes under the mask equal the text's.
 */
export type Alignment = 'start' | 'end';

export interface MaskedText {
  readonly text: Buffer;
  readonly mask: Buffer;
}

export function maskedText(text: string, size: number, align: Alignment): MaskedText {
  const bytes = Buffer.from(text, 'utf8');
  const out = { text: Buffer.alloc(size), mask: Buffer.alloc(size) };
  const at = align === 'start' ? 0 : size - bytes.length;
  bytes.copy(out.text, at);
  out.mask.fill(0xff, at, at + bytes.length);
  return out;
}

/** `name`'s first `size` bytes, zero-padded, or (`end`) its last ones ending at the end: as the kernel holds it. */
export function alignedName(name: Buffer, size: number, align: Alignment): Buffer {
  const out = Buffer.alloc(size);
  if (align === 'start') name.copy(out, 0, 0, size);
  else name.copy(out, Math.max(0, size - name.length), Math.max(0, name.length - size));
  return out;
}

/** Whether `name` (laid out by alignedName) equals `m.text` under `m.mask`. */
export function matchesMasked(name: Buffer, m: MaskedText): boolean {
  for (let i = 0; i < m.mask.length; i++) if (((name[i] as number) ^ (m.text[i] as number)) & (m.mask[i] as number)) return false;
  return true;
}
