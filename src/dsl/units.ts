/**
 * Number literals with units. Sizes become bytes and durations milliseconds
 * here, once, so nothing downstream ever sees "64MiB".
 */

export type Quantity = 'plain' | 'bytes' | 'duration';

export interface ParsedNumber {
  readonly value: number;
  readonly quantity: Quantity;
  /** the unit as written, '' for none */
  readonly unit: string;
}

const BYTE_UNITS: Readonly<Record<string, number>> = {
  B: 1,
  KB: 1e3,
  MB: 1e6,
  GB: 1e9,
  TB: 1e12,
  KiB: 2 ** 10,
  MiB: 2 ** 20,
  GiB: 2 ** 30,
  TiB: 2 ** 40,
};

/** Durations are milliseconds; `ns` and `us` exist for ns-unit fields. */
const DURATION_UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

export const UNIT_HELP = 'sizes: B KiB MiB GiB TiB KB MB GB TB; durations: ns us ms s m h d';

/** Returns an error message for malformed literals and unknown units. */
export function parseNumber(text: string): ParsedNumber | string {
  if (text.startsWith('-')) {
    const n = parseNumber(text.slice(1));
    return typeof n === 'string' ? n : { ...n, value: -n.value };
  }
  if (/^0x/.test(text)) {
    const digits = text.slice(2).replace(/_/g, '');
    if (digits === '' || text.endsWith('_')) return `'${text}' is not a valid hex number`;
    const value = Number.parseInt(digits, 16);
    return { value, quantity: 'plain', unit: '' };
  }
  const m = /^([0-9][0-9_]*(?:\.[0-9][0-9_]*)?)([A-Za-z]*)$/.exec(text);
  if (!m) return `'${text}' is not a number`;
  const digits = m[1]!;
  if (/_$|_\.|\._|__/.test(digits)) return `'${text}': '_' goes between digits`;
  const n = Number(digits.replace(/_/g, ''));
  const unit = m[2]!;
  if (unit === '') return { value: n, quantity: 'plain', unit };
  const bytes = BYTE_UNITS[unit];
  if (bytes !== undefined) return { value: n * bytes, quantity: 'bytes', unit };
  const ms = DURATION_UNITS[unit];
  if (ms !== undefined) return { value: n * ms, quantity: 'duration', unit };
  return `unknown unit '${unit}' in '${text}' (${UNIT_HELP})`;
}

export function describeQuantity(q: Quantity): string {
  return q === 'bytes' ? 'a size' : q === 'duration' ? 'a duration' : 'a plain number';
}

/** For messages: 300000 -> "5m". */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
