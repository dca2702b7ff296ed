/** A decoded kernel event, as the rest of kernwatch sees it. */

export type FieldValue = number | string | boolean | bigint;

export interface KernelEvent {
  /** catalog name, e.g. "oom.victim" */
  readonly name: string;
  /** CLOCK_MONOTONIC nanoseconds from the kernel */
  readonly monoNs: bigint;
  /** wall-clock milliseconds since the epoch */
  readonly time: number;
  /** rules the kernel found this record may match (bit i = rule i) */
  readonly rules: bigint;
  /** the rule set generation those bits belong to (see src/kernel/filter_maps.ts) */
  readonly generation: number;
  /** a path did not fit in the record and was cut */
  readonly truncated: boolean;
  /** common and event fields; a field that could not be filled is absent */
  readonly fields: Readonly<Record<string, FieldValue>>;
}

/** JSON-safe form: bigint ids become decimal strings, time an ISO string. */
export function eventToJson(e: KernelEvent): Record<string, unknown> {
  const out: Record<string, unknown> = { event: e.name, time: new Date(e.time).toISOString(), mono_ns: e.monoNs.toString() };
  if (e.truncated) out.truncated = true;
  for (const [k, v] of Object.entries(e.fields)) out[k] = typeof v === 'bigint' ? v.toString() : v;
  return out;
}
