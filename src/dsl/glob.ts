/**
 * Glob semantics, in one place for the checker and the engine (docs/rules.md
 * "Globs" says the same in prose).
 *
 * On cgroup paths (`path` fields) a glob is matched segment by segment:
 *   `*`  any characters within one segment (never `/`), `?` one such character,
 *   `**` a whole segment meaning zero or more segments.
 * So "/prod/*" matches /prod/api but neither /prod nor /prod/api/worker, and
 * "/prod/**" matches /prod itself and every descendant. "/**" matches every
 * cgroup, the root "/" included.
 * On strings (comm, ...) `*` is any run of characters, `/` included
 * ("kworker/*"), `?` any one character, and `**` is an error.
 * A glob without wildcards is an exact match. `[`, `]`, `{`, `}` and `\` are
 * rejected rather than given a meaning nobody reviewing a rule would guess.
 */

export type GlobKind = 'path' | 'string';

const RESERVED = /[[\]{}\\]/;

/** An error message, or undefined when the glob is valid. */
export function validateGlob(glob: string, kind: GlobKind): string | undefined {
  if (glob === '') return 'an empty glob matches nothing';
  const bad = RESERVED.exec(glob);
  if (bad) return `'${bad[0]}' has no meaning in a kernwatch glob (only * ** ?)`;
  if (kind === 'string') {
    return glob.includes('**') ? "'**' only means something in cgroup paths; use '*' for any characters" : undefined;
  }
  if (!glob.startsWith('/')) return `cgroup paths start with '/', so "${glob}" could never match (try "/${glob}")`;
  if (glob === '/') return undefined;
  if (glob.endsWith('/')) return 'cgroup paths never end with \'/\' (use "/x/**" for x and its descendants)';
  for (const segment of glob.slice(1).split('/')) {
    if (segment === '') return "empty path segment ('//')";
    if (segment !== '**' && segment.includes('**')) return `'**' must be a whole segment ("/a/**/b"), not part of '${segment}'`;
  }
  return undefined;
}

/** Anchored RegExp for a valid glob; throws on an invalid one (a bug: check first). */
export function globToRegExp(glob: string, kind: GlobKind): RegExp {
  const problem = validateGlob(glob, kind);
  if (problem) throw new Error(`invalid glob "${glob}": ${problem}`);
  if (kind === 'string') return new RegExp(`^${segmentSource(glob, '[\\s\\S]')}$`, 'u');
  if (glob === '/') return /^\/$/;
  const segments = glob.slice(1).split('/');
  // "/**" must also match the root "/", which has no segments
  if (segments.every((s) => s === '**')) return /^\/.*$/su;
  const body = segments.map((s) => (s === '**' ? '(?:/[^/]+)*' : `/${segmentSource(s, '[^/]')}`)).join('');
  return new RegExp(`^${body}$`, 'u');
}

/** A matcher for a valid glob. */
export function globMatcher(glob: string, kind: GlobKind): (value: string) => boolean {
  const re = globToRegExp(glob, kind);
  return (value) => re.test(value);
}

/**
 * The literal cgroup path a path glob is confined to: "/prod" for
 * "/prod/*\/api" and "/prod/**", "/" for "/**". With `exact` true the glob
 * has no wildcard at all. Lets the engine turn globs into subtree lookups.
 */
export function pathGlobPrefix(glob: string): { readonly prefix: string; readonly exact: boolean } {
  const segments = glob === '/' ? [] : glob.slice(1).split('/');
  const literal: string[] = [];
  for (const s of segments) {
    if (/[*?]/.test(s)) return { prefix: `/${literal.join('/')}`, exact: false };
    literal.push(s);
  }
  return { prefix: `/${literal.join('/')}`, exact: true };
}

function segmentSource(segment: string, anyChar: string): string {
  let out = '';
  for (const ch of segment) {
    if (ch === '*') out += `${anyChar}*`;
    else if (ch === '?') out += anyChar;
    else out += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return out;
}
