/**
 * Alert state that outlives the process: what each rule holds (firing and
 * pending alerts, waiting first events with their deadlines, windows) as
 * JSON, restored into the same rules on the next start. Times are
 * wall-clock ms, as everywhere in the engine, so deadlines keep their
 * meaning across the gap. What happened in the kernel during the gap is
 * unknown, except what the host's present state says (PresentState).
 */
import Ajv, { type ValidateFunction } from 'ajv';
import type { FieldValue } from '../events/event';

export const SNAPSHOT_VERSION = 1;

export interface RuleSnapshot {
  /** the rule's definition when saved: a changed rule starts afresh */
  readonly definition: string;
  readonly state: unknown;
}

/**
 * Where the engine's clock stood when a snapshot was saved, so that the next
 * process can go on from it: on the same boot the monotonic clock tells
 * exactly how long the gap was, whatever the wall clock did; after a reboot
 * (another boot id) only the wall clock can, and a step during the gap moves
 * the deadlines by as much.
 */
export interface SavedClock {
  /** /proc/sys/kernel/random/boot_id */
  readonly bootId: string;
  /** CLOCK_MONOTONIC ms at save */
  readonly monoMs: number;
  /** wall-clock ms at save */
  readonly wallMs: number;
}

export interface EngineSnapshot {
  readonly version: typeof SNAPSHOT_VERSION;
  /** the engine's time at save: its times are monotonic, set against the wall clock at its start */
  readonly savedAt: number;
  readonly clock?: SavedClock;
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

/**
 * Reads what encodeSnapshot wrote, checked against SNAPSHOT_SCHEMA before
 * anything is taken back: a value of the wrong type (`"startsAt": "soon"`)
 * restored into a rule would fail at its first tick or send a page that
 * cannot be rendered. Throws SnapshotError naming the first problem's path.
 */
export function decodeSnapshot(text: string): EngineSnapshot {
  let s: unknown;
  try {
    s = JSON.parse(text);
  } catch (e) {
    throw new SnapshotError(`not JSON: ${(e as Error).message}`);
  }
  const o = s as Partial<EngineSnapshot> | null;
  if (!o || typeof o !== 'object' || o.version !== SNAPSHOT_VERSION) throw new SnapshotError(`not a version ${SNAPSHOT_VERSION} alert state`);
  // strictRequired off: each `if` asks for one property only its rule kind has, without describing it
  validator ??= new Ajv({ strict: true, strictRequired: false, allowUnionTypes: true }).compile(SNAPSHOT_SCHEMA);
  if (!validator(s)) {
    const e = validator.errors?.[0];
    throw new SnapshotError(e ? `${e.instancePath || '/'}: ${e.message ?? e.keyword}` : 'invalid');
  }
  try {
    return revive(s) as EngineSnapshot;
  } catch (e) {
    throw new SnapshotError(`unreadable value: ${(e as Error).message}`);
  }
}

/** `{ $bigint }` and `{ $num: '-Infinity' }` back to their values, in place. */
function revive(v: unknown): unknown {
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) v[i] = revive(v[i]);
    return v;
  }
  if (v === null || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && typeof o.$bigint === 'string') return BigInt(o.$bigint);
  if (keys.length === 1 && o.$num === '-Infinity') return -Infinity;
  for (const k of keys) o[k] = revive(o[k]);
  return o;
}

/*
 * The JSON of each rule kind's snapshot() (event_rule_state, pair_rule_state,
 * window_rule_state), as encodeSnapshot writes it. Unknown properties are
 * allowed, so a newer kernwatch's state still restores after a rollback;
 * what the rules read back must have its type. The kind is not stored: the
 * property only it has tells.
 */
const TIME = { type: 'number', minimum: -8.64e15, maximum: 8.64e15 } as const;
const COUNT = { type: 'number', minimum: 0 } as const;
const BIGINT = {
  type: 'object',
  required: ['$bigint'],
  properties: { $bigint: { type: 'string', pattern: '^-?[0-9]+$' } },
  additionalProperties: false,
} as const;
const NUMBER = {
  anyOf: [{ type: 'number' }, { type: 'object', required: ['$num'], properties: { $num: { const: '-Infinity' } }, additionalProperties: false }],
} as const;
const FIELD_VALUE = { anyOf: [{ type: ['string', 'number', 'boolean'] }, BIGINT] } as const;
const FIELDS = { type: 'object', additionalProperties: FIELD_VALUE } as const;
const LABELS = { type: 'object', additionalProperties: { type: 'string' } } as const;

/** `[[key, value], ...]`, as BoundedGroups.toArray() gives them */
const entries = (value: object, key: object = { type: 'string' }): object => ({
  type: 'array',
  items: { type: 'array', items: [key, value], minItems: 2, additionalItems: false },
});

const FOLDED = {
  type: 'object',
  required: ['group', 'startsAt', 'lastEventAt', 'lastNotifiedAt', 'count', 'countNotified', 'fields'],
  properties: { group: LABELS, startsAt: TIME, lastEventAt: TIME, lastNotifiedAt: TIME, count: COUNT, countNotified: COUNT, fields: FIELDS },
} as const;
const FOLDED_ALERTS = { type: 'object', required: ['alerts'], properties: { alerts: entries(FOLDED), overflow: FOLDED, overflowed: COUNT } } as const;
const WAITING = { type: 'object', required: ['t', 'fields'], properties: { t: TIME, fields: FIELDS } } as const;
const ABSENT = { type: 'object', required: ['group', 'startsAt', 'fields'], properties: { group: LABELS, startsAt: TIME, fields: FIELDS } } as const;
const BUCKET = {
  type: 'object',
  required: ['index', 'count', 'sum', 'max'],
  properties: { index: { type: 'integer' }, count: COUNT, sum: NUMBER, max: NUMBER },
} as const;
const WINDOW = {
  type: 'object',
  required: ['buckets'],
  properties: { buckets: { type: 'array', items: BUCKET }, lastSeen: entries({ type: 'integer' }, FIELD_VALUE) },
} as const;
const WINDOW_GROUP = {
  type: 'object',
  required: ['labels', 'window', 'state', 'since', 'lastNotifiedAt', 'eventsSinceFiring', 'value'],
  properties: {
    labels: LABELS,
    window: WINDOW,
    state: { enum: ['inactive', 'pending', 'firing'] },
    since: TIME,
    clearedAt: TIME,
    lastNotifiedAt: TIME,
    eventsSinceFiring: COUNT,
    value: NUMBER,
  },
} as const;

const RULE_STATE = {
  if: { type: 'object', required: ['groups'] },
  then: { type: 'object', properties: { groups: entries(WINDOW_GROUP) } },
  else: {
    if: { type: 'object', required: ['absent'] },
    then: { type: 'object', required: ['waiting'], properties: { waiting: entries(WAITING), absent: entries(ABSENT) } },
    else: {
      if: { type: 'object', required: ['waiting'] },
      then: { type: 'object', required: ['alerts'], properties: { waiting: entries(WAITING), alerts: FOLDED_ALERTS } },
      else: FOLDED_ALERTS,
    },
  },
} as const;

export const SNAPSHOT_SCHEMA = {
  type: 'object',
  required: ['version', 'savedAt', 'host', 'rules'],
  properties: {
    version: { const: SNAPSHOT_VERSION },
    savedAt: TIME,
    clock: {
      type: 'object',
      required: ['bootId', 'monoMs', 'wallMs'],
      additionalProperties: false,
      properties: { bootId: { type: 'string' }, monoMs: TIME, wallMs: TIME },
    },
    host: { type: 'string' },
    rules: {
      type: 'object',
      additionalProperties: { type: 'object', required: ['definition', 'state'], properties: { definition: { type: 'string' }, state: RULE_STATE } },
    },
  },
} as const;

let validator: ValidateFunction | undefined;

export type Fields = Readonly<Record<string, FieldValue>>;
