/**
 * Kernel strings are bytes: a process may name itself anything through
 * prctl(PR_SET_NAME), not only UTF-8. Valid UTF-8 decodes as usual; each
 * byte that is not part of a valid sequence becomes the lone surrogate
 * U+DC80..U+DCFF (Python's "surrogateescape"), so no byte is lost and the
 * notifiers can show it as `\xNN`, exactly.
 */
export const ESCAPED_BYTE_BASE = 0xdc00;

export function decodeKernelString(buf: Buffer, start: number, end: number): string {
  // every record's comm and path come through here: one decode, and a second look only
  // when the decoder had to replace something (or the name really holds U+FFFD)
  const text = buf.toString('utf8', start, end);
  if (!text.includes('\ufffd')) return text;
  const bytes = buf.subarray(start, end);
  let out = '';
  for (let i = 0; i < bytes.length;) {
    const n = sequenceLength(bytes, i);
    if (n === 0) {
      out += String.fromCharCode(ESCAPED_BYTE_BASE | (bytes[i] as number));
      i++;
    } else {
      out += bytes.toString('utf8', i, i + n);
      i += n;
    }
  }
  return out;
}

/** Length of the valid UTF-8 sequence at `i` (RFC 3629: no overlongs, no surrogates), or 0. */
function sequenceLength(b: Uint8Array, i: number): number {
  const lead = b[i] as number;
  if (lead < 0x80) return 1;
  const cont = (k: number, lo = 0x80, hi = 0xbf): boolean => {
    const c = b[i + k];
    return c !== undefined && c >= lo && c <= hi;
  };
  if (lead >= 0xc2 && lead <= 0xdf) return cont(1) ? 2 : 0;
  if (lead >= 0xe0 && lead <= 0xef) {
    const [lo, hi] = lead === 0xe0 ? [0xa0, 0xbf] : lead === 0xed ? [0x80, 0x9f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) ? 3 : 0;
  }
  if (lead >= 0xf0 && lead <= 0xf4) {
    const [lo, hi] = lead === 0xf0 ? [0x90, 0xbf] : lead === 0xf4 ? [0x80, 0x8f] : [0x80, 0xbf];
    return cont(1, lo, hi) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
