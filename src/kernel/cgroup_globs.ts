/**
 * Cgroup path globs as the kernel follows them: a small state machine over
 * path segments (bpf/cgroup_globs.bpf.h). Each glob "/a/b*\/**" becomes one
 * state per segment plus an end state; a cgroup holds the set of states its
 * path has reached, and a new cgroup's set is its parent's stepped over its
 * name. This module compiles globs into states, and steps names exactly as
 * the BPF program does, for the cgroups that exist when rules are installed
 * and for the simulator that replays recordings.
 *
 * What the kernel compares is bounded: a segment it cannot decide exactly (a
 * '?', a star inside or at both ends, text longer than it reads) is widened
 * to "any name", so the kernel passes more than the glob matches and
 * userspace decides; it never passes less.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { KW_ENUMS } from './kernwatch_h';
import { LIMITS } from './limits';
import { maskedText, type MaskedText } from './masked_text';

/** enum kw_segment */
export const SEGMENT = {
  none: KW_ENUMS.kw_segment.KW_SEG_NONE,
  any: KW_ENUMS.kw_segment.KW_SEG_ANY,
  literal: KW_ENUMS.kw_segment.KW_SEG_LITERAL,
  prefix: KW_ENUMS.kw_segment.KW_SEG_PREFIX,
  anyDepth: KW_ENUMS.kw_segment.KW_SEG_ANY_DEPTH,
  suffix: KW_ENUMS.kw_segment.KW_SEG_SUFFIX,
} as const;
export type SegmentKind = keyof typeof SEGMENT;

export interface GlobState {
  readonly kind: SegmentKind;
  /** literal, prefix or suffix text, at most MAX_TEXT bytes */
  readonly text: string;
  /** states a child whose name matches is in */
  readonly next: bigint;
  /** rules such a child matches */
  readonly accept: bigint;
  /** rules such a child is an exception of (`except cgroup matches` globs) */
  readonly reject: bigint;
}

/** A cgroup's entry in `cgroup_rules`: the rules it matches, those it is an exception of, the states its path reached. */
export interface GlobEntry {
  readonly match: bigint;
  readonly reject: bigint;
  readonly states: bigint;
}

export const NO_ENTRY: GlobEntry = { match: 0n, reject: 0n, states: 0n };

/** What a glob is for: the rules it admits (`cgroup matches`) or refuses (`except cgroup matches`). */
export type GlobRole = 'accept' | 'reject';

/** Text the kernel compares: the name buffer less its NUL, less one so that a longer name is told apart. */
const MAX_TEXT = LIMITS.KW_SEGMENT_LEN - 2;

interface Segment {
  readonly kind: SegmentKind;
  readonly text: string;
  /** the kernel matches exactly what the glob's segment matches */
  readonly exact: boolean;
}

function segmentOf(s: string): Segment {
  if (s === '**') return { kind: 'anyDepth', text: '', exact: true };
  if (s === '*') return { kind: 'any', text: '', exact: true };
  const bytes = Buffer.byteLength(s);
  if (!/[*?]/.test(s)) return bytes <= MAX_TEXT ? { kind: 'literal', text: s, exact: true } : { kind: 'any', text: '', exact: false };
  const oneStar = s.indexOf('*') === s.lastIndexOf('*') && !s.includes('?') && bytes - 1 <= MAX_TEXT;
  if (oneStar && s.endsWith('*')) return { kind: 'prefix', text: s.slice(0, -1), exact: true };
  if (oneStar && s.startsWith('*')) return { kind: 'suffix', text: s.slice(1), exact: true };
  return { kind: 'any', text: '', exact: false };
}

/** Whether the kernel compares every segment of `glob` exactly (no segment widened to any name). */
export function globIsExact(glob: string): boolean {
  return (
    glob === '/' ||
    glob
      .slice(1)
      .split('/')
      .every((s) => segmentOf(s).exact)
  );
}

/** Compiles the cgroup globs of rule set into states, at most KW_MAX_GLOB_STATES. */
export class GlobStateBuilder {
  private readonly segments: Segment[] = [];
  /** per state: the rules a cgroup in it matches, or is an exception of (end states only) */
  private readonly ends: bigint[] = [];
  private readonly rejects: bigint[] = [];
  /** per state: whether it ends its glob */
  private readonly isEnd: boolean[] = [];
  private readonly byGlob = new Map<string, { start: number; end: number }>();
  private root = 0n;

  /**
   * Adds `glob` for the rules in `mask`, as what they match or (`reject`)
   * what they make an exception of. Returns whether the kernel decides it
   * exactly, or undefined when no states are left (userspace decides it).
   */
  add(glob: string, mask: bigint, role: GlobRole = 'accept'): { exact: boolean } | undefined {
    const parts = glob === '/' ? [] : glob.slice(1).split('/');
    const segments = parts.map(segmentOf);
    const exact = segments.every((s) => s.exact);
    const marks = role === 'accept' ? this.ends : this.rejects;
    const known = this.byGlob.get(glob);
    if (known) {
      marks[known.end] = (marks[known.end] ?? 0n) | mask;
      return { exact };
    }
    const start = this.segments.length;
    if (start + segments.length + 1 > LIMITS.KW_MAX_GLOB_STATES) return undefined;
    for (const s of segments) {
      this.segments.push(s);
      this.ends.push(0n);
      this.rejects.push(0n);
      this.isEnd.push(false);
    }
    this.segments.push({ kind: 'none', text: '', exact: true });
    this.ends.push(role === 'accept' ? mask : 0n);
    this.rejects.push(role === 'reject' ? mask : 0n);
    this.isEnd.push(true);
    const end = this.segments.length - 1;
    this.byGlob.set(glob, { start, end });
    this.root |= this.closure(start);
    return { exact };
  }

  get size(): number {
    return this.segments.length;
  }

  /** Whether the globs not compiled yet fit in the states left. */
  fits(globs: readonly string[]): boolean {
    const fresh = [...new Set(globs)].filter((g) => !this.byGlob.has(g));
    const needed = fresh.reduce((n, g) => n + (g === '/' ? 0 : g.slice(1).split('/').length) + 1, 0);
    return this.segments.length + needed <= LIMITS.KW_MAX_GLOB_STATES;
  }

  /** The states, in state order. */
  states(): GlobState[] {
    return this.segments.map((s, k) => {
      const next = s.kind === 'none' ? 0n : this.closure(s.kind === 'anyDepth' ? k : k + 1);
      return { kind: s.kind, text: s.text, next, accept: this.marked(this.ends, next), reject: this.marked(this.rejects, next) };
    });
  }

  /** The root cgroup's entry: the start of every glob (and "/" or "/**" match it). */
  rootEntry(): GlobEntry {
    return { states: this.root, match: this.marked(this.ends, this.root), reject: this.marked(this.rejects, this.root) };
  }

  /** State k and, through "**" (zero segments), the states after it. */
  private closure(k: number): bigint {
    let set = 0n;
    for (let at = k; at < this.segments.length; at++) {
      set |= 1n << BigInt(at);
      if (this.segments[at]?.kind !== 'anyDepth') break;
    }
    return set;
  }

  /** The rules `marks` holds at the end states among `states`. */
  private marked(marks: readonly bigint[], states: bigint): bigint {
    let rules = 0n;
    for (let k = 0; k < this.segments.length; k++) if (this.isEnd[k] && states & (1n << BigInt(k))) rules |= marks[k] ?? 0n;
    return rules;
  }
}

/** A new cgroup's entry: its parent's states stepped over its name, as enter_cgroup_globs() does. */
export function stepGlobs(states: readonly GlobState[], parent: GlobEntry, name: string): GlobEntry {
  let next = 0n;
  let match = 0n;
  let reject = 0n;
  const bytes = Buffer.from(name, 'utf8');
  const longName = bytes.length >= LIMITS.KW_SEGMENT_LEN - 1;
  states.forEach((st, k) => {
    if (!(parent.states & (1n << BigInt(k))) || !segmentMatches(st, bytes, longName)) return;
    next |= st.next;
    match |= st.accept;
    reject |= st.reject;
  });
  return { match, reject, states: next };
}

function segmentMatches(st: GlobState, name: Buffer, longName: boolean): boolean {
  switch (st.kind) {
    case 'any':
    case 'anyDepth':
      return true;
    case 'literal':
      return !longName && name.equals(Buffer.from(st.text, 'utf8'));
    case 'prefix': {
      const text = Buffer.from(st.text, 'utf8');
      return name
        .subarray(0, Math.min(name.length, LIMITS.KW_SEGMENT_LEN - 1))
        .subarray(0, text.length)
        .equals(text);
    }
    case 'suffix': {
      // the kernel reads the whole name (NAME_MAX) for its last bytes
      const text = Buffer.from(st.text, 'utf8');
      return name.length >= text.length && name.subarray(name.length - text.length).equals(text);
    }
    case 'none':
      return false;
  }
}

/**
 * The `text` and `mask` of struct kw_glob_state: literal and prefix text
 * from the start, suffix text ending at the end; the mask under the bytes
 * the name must have (all of them for a literal, whose zero padding must
 * match too).
 */
export function stateBytes(st: Pick<GlobState, 'kind' | 'text'>): MaskedText {
  const bytes = maskedText(st.text, LIMITS.KW_SEGMENT_LEN, st.kind === 'suffix' ? 'end' : 'start');
  if (st.kind === 'literal') bytes.mask.fill(0xff);
  return bytes;
}

/** Whether the kernel keeps an entry for this cgroup (stepping made one). */
export function hasEntry(e: GlobEntry): boolean {
  return e.states !== 0n || e.match !== 0n || e.reject !== 0n;
}

/** Entries for every cgroup of `tree` ([id, path], parents before children or not) that has one. */
export function entriesForTree(states: readonly GlobState[], root: GlobEntry, tree: ReadonlyArray<readonly [bigint, string]>): Map<bigint, GlobEntry> {
  const byPath = new Map<string, GlobEntry>([['/', root]]);
  const entryOf = (p: string): GlobEntry => {
    const known = byPath.get(p);
    if (known) return known;
    const cut = p.lastIndexOf('/');
    const parent = entryOf(cut <= 0 ? '/' : p.slice(0, cut));
    const e = parent.states === 0n ? NO_ENTRY : stepGlobs(states, parent, p.slice(cut + 1));
    byPath.set(p, e);
    return e;
  };
  const out = new Map<bigint, GlobEntry>();
  for (const [id, p] of tree) {
    const e = entryOf(p);
    if (hasEntry(e)) out.set(id, e);
  }
  return out;
}

/** Cgroups walked at most, as the path cache walks them. */
const MAX_WALK = 200_000;

/**
 * Writes the entry of every cgroup under the v2 mount `mount` that has one,
 * stepping names from the root's entry. Each cgroup's entry is written before
 * its children are listed: a child created meanwhile is either listed here or
 * stepped by the kernel from the entry already written, so none is missed.
 * Subtrees no glob can reach are not walked. Returns the entries written.
 */
export function writeTreeEntries(mount: string, states: readonly GlobState[], root: GlobEntry, write: (id: bigint, e: GlobEntry) => void): number {
  const pending: Array<[string, GlobEntry]> = [[mount, root]];
  let written = 0;
  for (let walked = 0; pending.length > 0 && walked < MAX_WALK; walked++) {
    const [dir, entry] = pending.pop() as [string, GlobEntry];
    let children: fs.Dirent[];
    try {
      write(fs.statSync(dir, { bigint: true }).ino, entry);
      written++;
      if (entry.states === 0n) continue;
      children = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue; // removed while we walked: its release deletes what the kernel wrote
    }
    for (const c of children) {
      if (!c.isDirectory()) continue;
      const e = stepGlobs(states, entry, c.name);
      if (hasEntry(e)) pending.push([path.join(dir, c.name), e]);
    }
  }
  return written;
}
