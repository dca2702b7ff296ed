/**
 * Number literals with units. Sizes become bytes and durations milliseconds
 * here, once, so nothing downstream ever sees "64MiB".
 */
import type { Unit } from '../events/types';

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
  return ms === 0 ? '0ms' : formatLiteral(ms * 1e6, 'ns');
}

// the units a literal is written back in, largest first: binary sizes, durations in ns
const LITERAL_SIZES: readonly (readonly [number, string])[] = [
  [2 ** 30, 'GiB'],
  [2 ** 20, 'MiB'],
  [2 ** 10, 'KiB'],
];
const LITERAL_TIMES: readonly (readonly [number, string])[] = [
  [86_400e9, 'd'],
  [3_600e9, 'h'],
  [60e9, 'm'],
  [1e9, 's'],
  [1e6, 'ms'],
];

/**
 * A number as a rule would write it, exactly (the inverse of parseNumber):
 * 1073741824 bytes -> "1GiB", 2e9 ns -> "2s", 1500 bytes -> "1500"; a
 * plain number as it is. Display, rounded and with a space, is
 * src/events/format_value.ts's job.
 */
export function formatLiteral(value: number, unit: Unit | undefined): string {
  if (unit === undefined || value === 0) return String(value);
  for (const [size, suffix] of unit === 'bytes' ? LITERAL_SIZES : LITERAL_TIMES) {
    if (value % size === 0) return `${value / size}${suffix}`;
  }
  return String(value);
}
