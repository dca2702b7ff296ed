/**
 * Notifier types declared once each (src/config/notifiers/): the schema,
 * the loader and the rule checker are made from the list, a builder that
 * throws is a located line rather than lost, mistakes are said in the
 * schema's words, and schema/kernwatch.schema.json is what the loader uses.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '../../src/config/config_error';
import { parseConfig } from '../../src/config/load_config';
import { NOTIFIER_KINDS, type AnyNotifierKind } from '../../src/config/notifiers/all';
import { DURATION } from '../../src/config/notifiers/kind';

const REPO = path.resolve(__dirname, '../../..');

function problems(text: string, kinds?: readonly AnyNotifierKind[]): string {
  try {
    parseConfig(text, 'k.yaml', {}, kinds);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `a located config error, not ${String(e)}`);
    return e.message;
  }
  assert.fail('the config was accepted');
}

/** A type whose builder has a bug: it throws on `every: 13s`. */
const BROKEN: AnyNotifierKind = {
  type: 'stdout',
  schema: { properties: { every: DURATION } },
  build(n: Readonly<Record<string, unknown>>) {
    if (n.every === '13s') throw new TypeError("Cannot read properties of undefined (reading 'ms')");
    return undefined;
  },
} as unknown as AnyNotifierKind;
const WITH_BROKEN = [...NOTIFIER_KINDS.filter((k) => k.type !== 'stdout'), BROKEN];

test('a builder that throws is one located line, when the rest is fine and when the schema refused another part', () => {
  const crash = "k.yaml:2:6: notifiers.p: could not be read: Cannot read properties of undefined (reading 'ms') (a bug in kernwatch: please report it)";
  assert.equal(problems('notifiers:\n  p: { type: stdout, every: 13s }\n', WITH_BROKEN), crash);
  // before, a schema mistake elsewhere swallowed the crash: only host's line was printed
  assert.equal(
    problems('host: 3\nnotifiers:\n  p: { type: stdout, every: 13s }\n', WITH_BROKEN),
    `k.yaml:1:7: host: must be string\n${crash.replace(':2:', ':3:')}`,
  );
});

test('a part the schema refused is not built: its builder never sees the wrong shape, the schema’s line stands', () => {
  assert.equal(problems('notifiers:\n  p: { type: stdout, every: 13s, colour: red }\n', WITH_BROKEN), 'k.yaml:2:34: notifiers.p.colour: unknown setting');
  // an email notifier without smtp made the builder read smtp.tls of undefined
  assert.equal(problems('host: web-3\nnotifiers:\n  m: { type: email, from: a@b.c, to: [x@y.z] }\n'), 'k.yaml:3:6: notifiers.m.smtp: is required');
  assert.equal(problems('rules: prod.rules\n'), 'k.yaml:1:8: rules: must be array');
});

test('mistakes are said in the schema’s words for that setting, never guessed from its name', () => {
  const hook = (headers: string): string => `notifiers:\n  hook: { type: webhook, url: "http://h/", secret: 0123456789abcdef, headers: ${headers} }\n`;
  // a header name used to be told it was a notifier name
  assert.equal(problems(hook('{ "X Team": a }')), 'k.yaml:2:81: notifiers.hook.headers.X Team: a header name is letters, digits and -');
  assert.equal(problems(hook('{ X-Team: "a\\nb" }')), 'k.yaml:2:89: notifiers.hook.headers.X-Team: a header value cannot contain a line break');
  assert.equal(
    problems('notifiers:\n  oncall: { type: slack, url: "https://h/", channel: oncall }\n'),
    'k.yaml:2:54: notifiers.oncall.channel: must be a Slack channel with its # (#oncall), or @user',
  );
  assert.equal(problems('metrics: { listen: "9469" }\n'), 'k.yaml:1:20: metrics.listen: must be host:port, e.g. 127.0.0.1:9469');
  assert.equal(
    problems('notifiers:\n  oncall: { type: slack, url_env: "1X" }\n'),
    'k.yaml:2:35: notifiers.oncall.url_env: must be an environment variable name',
  );
  assert.equal(problems('self_alerts: { lost_window: soon }\n'), 'k.yaml:1:29: self_alerts.lost_window: must be a duration such as 500ms, 10s, 5m or 24h');
});

test('the type list makes the schema’s enum, in its order', () => {
  assert.equal(
    problems('notifiers:\n  x: { type: pager }\n'),
    `k.yaml:2:14: notifiers.x.type: must be one of: ${NOTIFIER_KINDS.map((k) => k.type).join(', ')}`,
  );
});

test('schema/kernwatch.schema.json is the schema the loader checks against (scripts/gen-schema.mjs)', () => {
  execFileSync(process.execPath, [path.join(REPO, 'scripts', 'gen-schema.mjs'), '--check'], { stdio: 'pipe' });
});
