/**
 * Field values as people read them: sizes in binary units, durations in the
 * largest unit that keeps them short. One formatter for summaries, field
 * lists and every medium, so a page never says `33423360` in its summary
 * and `31.9 MiB` two lines below.
 */
import type { Unit } from './types';

export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i] ?? ''}`;
}

export function formatNs(n: number): string {
  if (Math.abs(n) < 1e3) return `${n} ns`;
  if (Math.abs(n) < 1e6) return `${(n / 1e3).toFixed(1)} µs`;
  if (Math.abs(n) < 1e9) return `${(n / 1e6).toFixed(1)} ms`;
  return `${(n / 1e9).toFixed(2)} s`;
}

/** A value in its unit; anything without a unit (or not a number) as plain text. */
export function formatInUnit(v: unknown, unit: Unit | undefined): string {
  if (typeof v === 'number') {
    if (unit === 'bytes') return formatBytes(v);
    if (unit === 'ns') return formatNs(v);
  }
  return String(v);
}
