/** Durations in the config file: "500ms", "10s", "5m", "24h", or a bare number of seconds. */
export const DURATION_PATTERN = '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)?$';

const FACTOR: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds; the schema has already checked the shape. */
export function durationMs(value: string | number): number {
  if (typeof value === 'number') return value * 1000;
  const m = new RegExp(DURATION_PATTERN).exec(value);
  if (!m) throw new Error(`not a duration: ${value}`);
  return Number.parseFloat(value) * (FACTOR[m[2] ?? 's'] ?? 1000);
}
