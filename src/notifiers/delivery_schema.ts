/**
 * The shape of an outbox entry as read back from disk, checked with ajv
 * before it may enter a delivery loop: an entry that parses but holds
 * `"startsAt": "soon"` would throw in every render and be retried forever,
 * holding back every entry behind it.
 *
 * Unknown properties are allowed: an entry a newer kernwatch wrote must still
 * be delivered by an older one after a rollback. What the notifiers read must
 * have its type, and times must be ones a Date can show.
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';

/** wall-clock ms within what `new Date(ms).toISOString()` accepts */
const TIME = { type: 'number', minimum: -8.64e15, maximum: 8.64e15 } as const;
const TEXT = { type: 'string' } as const;
const STRINGS = { type: 'object', additionalProperties: TEXT } as const;

const ALERT = {
  type: 'object',
  required: ['fingerprint', 'rule', 'state', 'severity', 'labels', 'summary', 'fields', 'count', 'startsAt', 'at', 'host'],
  properties: {
    fingerprint: TEXT,
    rule: TEXT,
    state: { enum: ['firing', 'resolved'] },
    severity: { enum: ['info', 'warning', 'critical'] },
    labels: STRINGS,
    summary: TEXT,
    description: TEXT,
    runbookUrl: TEXT,
    source: { type: 'object', required: ['file', 'line'], properties: { file: TEXT, line: { type: 'integer' } } },
    sourceUrl: TEXT,
    // bigint values are stored as decimal strings
    fields: { type: 'object', additionalProperties: { type: ['string', 'number', 'boolean'] } },
    keyFields: { type: 'array', items: TEXT },
    count: { type: 'number', minimum: 0 },
    value: { type: 'number' },
    startsAt: TIME,
    endsAt: TIME,
    at: TIME,
    host: TEXT,
    degraded: { type: 'object', required: ['lostRecords'], properties: { lostRecords: { type: 'number' } } },
    test: { type: 'boolean' },
  },
} as const;

export const DELIVERY_SCHEMA = {
  type: 'object',
  required: ['key', 'notifier', 'args', 'alert', 'enqueuedAt'],
  properties: {
    // sent as a header and part of the entry's file name
    key: { type: 'string', pattern: '^[0-9A-Za-z_-]{1,128}$' },
    notifier: TEXT,
    args: { type: 'array', items: TEXT },
    alert: ALERT,
    enqueuedAt: TIME,
  },
} as const;

let validator: ValidateFunction | undefined;

/** Undefined when `value` is a delivery the notifiers can render, else the first problem, located. */
export function deliveryProblem(value: unknown): string | undefined {
  validator ??= new Ajv({ strict: true, allowUnionTypes: true }).compile(DELIVERY_SCHEMA);
  return validator(value) ? undefined : firstProblem(validator.errors);
}

/** `/alert/startsAt: must be number`, the one line a log has room for. */
export function firstProblem(errors: readonly ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'invalid';
  return `${e.instancePath || '/'}: ${e.message ?? e.keyword}`;
}
