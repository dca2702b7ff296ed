/**
 * Alert state that outlives the process: what each rule holds (firing and
 * pending alerts, waiting first events with their deadlines, windows) as
 * JSON, restored into the same rules on the next start. Times are
 * wall-clock ms, as everywhere in the engine, so deadlines keep their
 * meaning across the gap. What happened in the kernel during the gap is
 * unknown, except what the host's present state says (PresentState).
 */
import type { FieldValue } from '../events/event';

export const SNAPSHOT_VERSION = 1;

export interface RuleSnapshot {
  /** the rule's definition when saved: a changed rule starts afresh */
  readonly definition: string;
  readonly state: unknown;
}

export interface EngineSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  /** wall-clock ms */
  readonly savedAt: number;
  readonly host: string;
  readonly rules: Readonly<Record<string, RuleSnapshot>>;
}

/** What can be read of the host now, to reconcile restored state with what happened while no one watched. */
export interface PresentState {
  /** false: no such cgroup now; undefined: cannot tell */
  cgroupExists(path: string): boolean | undefined;
  /** whether the cgroup is frozen now; undefined: cannot tell */
  cgroupFrozen(path: string): boolean | undefined;
}

export const UNKNOWN_PRESENT: PresentState = { cgroupExists: () => undefined, cgroupFrozen: () => undefined };

/** JSON that keeps 64-bit field values (cgroup ids) and -Infinity (an empty max). */
export function encodeSnapshot(s: EngineSnapshot): string {
  return JSON.stringify(s, (_k, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v === -Infinity ? { $num: '-Infinity' } : v));
}

export class SnapshotError extends Error {
  override readonly name = 'SnapshotError';
}

export function decodeSnapshot(text: string): EngineSnapshot {
  let s: unknown;
  try {
    s = JSON.parse(text, (_k, v: unknown) => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const o = v as Record<string, unknown>;
        if (typeof o.$bigint === 'string' && Object.keys(o).length === 1) return BigInt(o.$bigint);
        if (o.$num === '-Infinity' && Object.keys(o).length === 1) return -Infinity;
      }
      return v;
    });
  } catch (e) {
    throw new SnapshotError(`not JSON: ${(e as Error).message}`);
  }
  const o = s as Partial<EngineSnapshot> | null;
  if (!o || o.version !== SNAPSHOT_VERSION || typeof o.savedAt !== 'number' || typeof o.rules !== 'object' || o.rules === null) {
    throw new SnapshotError(`not a version ${SNAPSHOT_VERSION} alert state`);
  }
  return o as EngineSnapshot;
}

export type Fields = Readonly<Record<string, FieldValue>>;
