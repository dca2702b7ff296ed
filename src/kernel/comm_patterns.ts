/**
 * Comm globs with one star at an end (`build*`, `*-worker`) as the kernel
 * compares them (bpf/filter.bpf.h, match_comm_patterns): the glob's literal
 * bytes and a mask, placed where a zero-padded comm has them for a prefix,
 * or where a comm moved to end at byte 16 has them for a suffix. The
 * simulator compares with the same bytes, so the two cannot disagree.
 */
import { LIMITS } from './limits';
import { alignedName, maskedText, matchesMasked, type Alignment, type MaskedText } from './masked_text';

export type CommMatch = 'prefix' | 'suffix';

/** One pattern and the rules it accepts or is an exception of. */
export interface CommPattern {
  readonly match: CommMatch;
  /** the literal part of the glob */
  readonly text: string;
  readonly accept: bigint;
  readonly reject: bigint;
}

/** A comm holds at most this many bytes before its terminator. */
const MAX_COMM = LIMITS.KW_COMM_LEN - 1;

/**
 * The pattern a string glob is, or undefined when the kernel cannot
 * compare it (a `?`, a star inside, stars at both ends). `never`: the
 * literal is longer than any comm, so no comm matches.
 */
export function commPatternOf(glob: string): { readonly match: CommMatch; readonly text: string; readonly never: boolean } | undefined {
  if (glob.includes('?')) return undefined;
  const stars = [...glob].filter((c) => c === '*').length;
  if (stars !== 1 || glob === '*') return undefined;
  const match: CommMatch | undefined = glob.endsWith('*') ? 'prefix' : glob.startsWith('*') ? 'suffix' : undefined;
  if (!match) return undefined;
  const text = match === 'prefix' ? glob.slice(0, -1) : glob.slice(1);
  return { match, text, never: Buffer.byteLength(text) > MAX_COMM };
}

const ALIGN: Record<CommMatch, Alignment> = { prefix: 'start', suffix: 'end' };

/** The `text` and `mask` arrays of struct kw_comm_pattern. */
export function patternBytes(p: Pick<CommPattern, 'match' | 'text'>): MaskedText {
  return maskedText(p.text, LIMITS.KW_COMM_LEN, ALIGN[p.match]);
}

/** A comm as the kernel holds it for each kind of pattern: its first 15 bytes from the start, or ending at byte 16. */
export function commBytes(comm: string): Readonly<Record<CommMatch, Buffer>> {
  const raw = Buffer.from(comm, 'utf8').subarray(0, MAX_COMM);
  return { prefix: alignedName(raw, LIMITS.KW_COMM_LEN, 'start'), suffix: alignedName(raw, LIMITS.KW_COMM_LEN, 'end') };
}

/** match_comm_patterns() for one pattern: the kernel's comparison, byte for byte. */
export function commMatches(p: Pick<CommPattern, 'match' | 'text'>, comm: string): boolean {
  return matchesMasked(commBytes(comm)[p.match], patternBytes(p));
}
