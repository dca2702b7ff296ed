/**
 * The JSON schema of kernwatch.yaml, made from its top-level settings and
 * every notifier type's own (./notifiers/). The loader checks configs
 * against it; schema/kernwatch.schema.json is this, written out for editors
 * (scripts/gen-schema.mjs; a unit test fails when it is stale). A node's
 * `errorMessage` is the line a mistake there gets, so no message depends on
 * guessing from a setting's name.
 */
import type { SchemaNode } from './notifiers/kind';
import { NOTIFIER_KINDS, type AnyNotifierKind } from './notifiers/all';

const NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
const DURATION_MESSAGE = 'must be a duration such as 500ms, 10s, 5m or 24h';

/** Settings every notifier has, beside `type`. */
const COMMON: Readonly<Record<string, SchemaNode>> = {
  send_resolved: { type: 'boolean' },
  min_severity: { enum: ['info', 'warning', 'critical'], description: 'only alerts of this severity or higher go to this notifier' },
  timeout: { $ref: '#/definitions/duration' },
  outbox: { $ref: '#/definitions/outbox' },
};

export function configSchema(kinds: readonly AnyNotifierKind[] = NOTIFIER_KINDS): SchemaNode {
  const definitions: Record<string, SchemaNode> = {
    duration: {
      description: '"500ms", "10s", "5m", "24h", or a number of seconds',
      oneOf: [
        { type: 'string', pattern: '^[0-9]+(\\.[0-9]+)?(ms|s|m|h)?$', errorMessage: DURATION_MESSAGE },
        { type: 'number', exclusiveMinimum: 0, errorMessage: DURATION_MESSAGE },
      ],
    },
    secretName: { type: 'string', pattern: NAME_PATTERN, errorMessage: 'must be an environment variable name' },
    secretFile: { type: 'string', minLength: 1 },
    email: { type: 'string', format: 'email-address' },
    outbox: {
      type: 'object',
      additionalProperties: false,
      properties: {
        max_entries: { type: 'integer', minimum: 1, maximum: 1000000 },
        max_age: { $ref: '#/definitions/duration' },
      },
    },
    notifier: {
      type: 'object',
      required: ['type'],
      properties: { type: { enum: kinds.map((k) => k.type) }, ...COMMON },
      allOf: kinds.map((k) => ({ if: { properties: { type: { const: k.type } } }, then: { $ref: `#/definitions/${definitionOf(k)}` } })),
    },
  };
  for (const k of kinds) {
    const own = Object.fromEntries([['type', true], ...Object.keys(COMMON).map((c) => [c, true]), ...Object.entries(k.schema.properties)]) as SchemaNode;
    definitions[definitionOf(k)] = { additionalProperties: false, ...(k.schema.required ? { required: k.schema.required } : {}), properties: own };
  }
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'kernwatch configuration (kernwatch.yaml)',
    type: 'object',
    additionalProperties: false,
    properties: {
      host: { type: 'string', minLength: 1, maxLength: 253, description: "host name put on every alert; default: the machine's host name" },
      state_dir: {
        type: 'string',
        minLength: 1,
        description: 'directory for the notifier outboxes, the alert state and the lock; default: $STATE_DIRECTORY or /var/lib/kernwatch',
      },
      rule_source_url: {
        type: 'string',
        pattern: '^https?://',
        description:
          "link to a rule in your repository's web view; {file} (the rule file's path below its configured rules directory) and {line} are filled in",
      },
      ring_buffer: {
        type: 'string',
        pattern: '^[0-9]+(KiB|MiB)$',
        description: "size of the kernel's ring buffer of records, a power of two from 4KiB to 1024MiB; default 16MiB",
      },
      records_in_flight: {
        type: 'string',
        pattern: '^[0-9]+(KiB|MiB)$',
        description:
          "bytes of records handed to userspace and not yet evaluated, per ring, at most, from 64KiB to 256MiB; past it records wait in the kernel's ring (and are lost there, counted per event, when it fills); default 4MiB",
      },
      rules: {
        type: 'array',
        items: { type: 'string', minLength: 1 },
        description: 'rule files or directories loaded by `kernwatch run`, relative to this file',
      },
      metrics: {
        type: 'object',
        additionalProperties: false,
        properties: {
          listen: {
            type: 'string',
            pattern: '^(\\[[0-9a-fA-F:.]+\\]|[^:\\s]*):[0-9]{1,5}$',
            errorMessage: 'must be host:port, e.g. 127.0.0.1:9469',
            description: 'host:port of the Prometheus /metrics endpoint',
          },
        },
      },
      log_level: { enum: ['debug', 'info', 'warn', 'error'], description: "level of `kernwatch run`'s JSON log on stderr; default info" },
      self_alerts: {
        type: 'object',
        additionalProperties: false,
        description: "kernwatch's own alerts: records lost in the kernel, a notifier failing",
        properties: {
          notify: { type: 'array', items: { type: 'string', pattern: NAME_PATTERN }, description: 'notifiers that receive them; default [stdout]' },
          lost_percent: {
            type: 'number',
            minimum: 0,
            maximum: 100,
            description: 'alert when more than this share of records is lost over lost_window; default 1',
          },
          lost_window: { $ref: '#/definitions/duration', description: 'default 5m' },
          notifier_failing_for: { $ref: '#/definitions/duration', description: 'alert when a notifier has failed this long without a success; default 5m' },
          repeat_interval: { $ref: '#/definitions/duration', description: 'a firing self-alert is re-sent at most this often; default 4h' },
        },
      },
      notifiers: {
        type: 'object',
        propertyNames: { pattern: NAME_PATTERN, errorMessage: 'a notifier name is letters, digits and _ (rules call it by this name)' },
        additionalProperties: { $ref: '#/definitions/notifier' },
      },
    },
    definitions,
  };
}

/** `email` is the address's definition: the types' own are prefixed. */
function definitionOf(k: AnyNotifierKind): string {
  return `notifier_${k.type}`;
}
