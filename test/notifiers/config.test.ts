import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadConfig, parseConfig, defaultConfig } from '../../src/config/load_config';
import { ConfigError } from '../../src/config/config_error';
import { checkAction } from '../../src/config/check_action';
import { tempDir } from './support';

const REPO = path.resolve(__dirname, '../../..');

function problem(text: string, env: NodeJS.ProcessEnv = {}, file = '/etc/kernwatch/kernwatch.yaml'): string {
  try {
    parseConfig(text, file, env);
  } catch (e) {
    assert.ok(e instanceof ConfigError, String(e));
    assert.doesNotMatch(e.message, /\n/, 'one line for the CLI');
    return e.message;
  }
  assert.fail('the config was accepted');
}

test('config: the example file is valid and means what its comments say', () => {
  const dir = tempDir('config');
  try {
    const config = loadConfig(path.join(REPO, 'kernwatch.example.yaml'), {
      KERNWATCH_SLACK_URL: 'https://hooks.slack.com/services/T0/B0/x',
      KERNWATCH_WEBHOOK_SECRET: 'sixteen-chars-or-more',
    });
    assert.fail(`password_file should be missing here, got ${config.host}`);
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.match(
      e.message,
      /kernwatch\.example\.yaml:\d+:\d+: notifiers\.sre_mail\.smtp\.password_file: \/etc\/kernwatch\/smtp-password: cannot read the file: no such file$/,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const text = fs.readFileSync(path.join(REPO, 'kernwatch.example.yaml'), 'utf8').replace('/etc/kernwatch/smtp-password', 'smtp-password');
  const dir2 = tempDir('config');
  try {
    fs.writeFileSync(path.join(dir2, 'smtp-password'), 'hunter2\n');
    const config = parseConfig(text, path.join(dir2, 'kernwatch.yaml'), {
      KERNWATCH_SLACK_URL: 'https://hooks.slack.com/services/T0/B0/x',
      KERNWATCH_WEBHOOK_SECRET: 'sixteen-chars-or-more',
    });
    assert.equal(config.host, 'web-3');
    assert.deepEqual(config.rules, [path.join(dir2, 'rules')]);
    assert.equal(config.metricsListen, '127.0.0.1:9469');
    assert.deepEqual([...config.notifiers.keys()], ['oncall', 'sre_mail', 'audit', 'fleet', 'stdout']);
    const mail = config.notifiers.get('sre_mail');
    assert.ok(mail?.type === 'email');
    assert.equal(mail.smtp.password, 'hunter2', 'a trailing newline in a secret file is not part of the secret');
    const audit = config.notifiers.get('audit');
    assert.ok(audit?.type === 'webhook');
    assert.equal(audit.secret, 'sixteen-chars-or-more');
    assert.equal(audit.timeoutMs, 5000);
    assert.deepEqual(audit.outbox, { maxEntries: 5000, maxAgeMs: 12 * 3_600_000 });
    const fleet = config.notifiers.get('fleet');
    assert.ok(fleet?.type === 'alertmanager');
    assert.equal(fleet.resendIntervalMs, 60_000);
  } finally {
    fs.rmSync(dir2, { recursive: true, force: true });
  }
});

test('config: mistakes name the line, column and path in the file, in one line', () => {
  const bad = 'notifiers:\n  oncall:\n    type: slack\n    url: not-a-url\n';
  assert.equal(problem(bad), '/etc/kernwatch/kernwatch.yaml:4:10: notifiers.oncall.url: must be a URL');
  assert.equal(
    problem('notifiers:\n  oncall:\n    type: slack\n    url: https://x.example/\n    chanel: "#x"\n'),
    "/etc/kernwatch/kernwatch.yaml:5:5: notifiers.oncall.chanel: unknown setting (did you mean 'channel'?)",
  );
  assert.equal(
    problem('notifiers:\n  m:\n    type: email\n    smtp: { host: h }\n    from: a@b.c\n'),
    '/etc/kernwatch/kernwatch.yaml:3:5: notifiers.m.to: is required',
  );
  assert.equal(
    problem('notifiers:\n  m:\n    type: email\n    smtp: { host: h }\n    from: a@b.c\n    to: ["x@y.z", "sre@example.com\\nBcc: e@v.il"]\n'),
    '/etc/kernwatch/kernwatch.yaml:6:19: notifiers.m.to[1]: must be an email address (name@domain)',
  );
  assert.equal(
    problem('notifiers:\n  x:\n    type: pager\n'),
    '/etc/kernwatch/kernwatch.yaml:3:11: notifiers.x.type: must be one of: slack, email, webhook, alertmanager, stdout',
  );
  assert.equal(
    problem('notifiers:\n  x:\n    type: stdout\n    timeout: soon\n'),
    '/etc/kernwatch/kernwatch.yaml:4:14: notifiers.x.timeout: must be a duration such as 500ms, 10s, 5m or 24h',
  );
  assert.equal(
    problem('notifiers:\n  am:\n    type: alertmanager\n    urls: ["http://am:9093"]\n    resend_interval: 0s\n'),
    '/etc/kernwatch/kernwatch.yaml:5:22: notifiers.am.resend_interval: must be at least 1s',
  );
  assert.equal(problem('records_in_flight: 8KiB\n'), '/etc/kernwatch/kernwatch.yaml:1:20: records_in_flight: must be from 64KiB to 256MiB, e.g. 4MiB');
  assert.equal(parseConfig('records_in_flight: 1MiB\n', '/x/k.yaml', {}).recordsInFlightBytes, 1 << 20);
  assert.equal(parseConfig('{}', '/x/k.yaml', {}).recordsInFlightBytes, 4 << 20, 'default 4MiB');
  assert.match(problem('notifiers:\n  sre-mail:\n    type: stdout\n'), /:2:3: notifiers\.sre-mail: a notifier name is letters, digits and _/);
  assert.match(problem('notifiers: [\n'), /^\/etc\/kernwatch\/kernwatch\.yaml:\d+:\d+: /);
  assert.match(problem('a: 1\na: 2\n'), /:2:1: .*[Uu]nique|:2:1: .*duplicate/i);
  assert.match(problem('notifiers:\n  x: { type: stdout }\nfoo: 1\n'), /:3:1: foo: unknown setting$/);
});

test('config: several mistakes are all kept and printed, one line each', () => {
  try {
    parseConfig('host: 3\nnotifiers:\n  a: { type: slack }\n  b: { type: webhook, url: "http://x", secret: short }\n', 'k.yaml', {});
    assert.fail('accepted');
  } catch (e) {
    assert.ok(e instanceof ConfigError);
    assert.equal(
      e.message,
      'k.yaml:1:7: host: must be string\nk.yaml:3:6: notifiers.a: needs url, url_env or url_file\nk.yaml:4:48: notifiers.b.secret: must NOT have fewer than 16 characters',
      "the schema's mistakes and the checks after it, in one run, in file order",
    );
    assert.deepEqual(
      e.problems.map((p) => p.path),
      ['host', 'notifiers.a', 'notifiers.b.secret'],
    );
  }
});

test('config: secrets come from exactly one of inline, environment or file, and are never echoed', () => {
  const slack = (s: string): string => `notifiers:\n  oncall:\n    type: slack\n${s}`;
  assert.equal(problem(slack('    channel: "#x"\n')), '/etc/kernwatch/kernwatch.yaml:3:5: notifiers.oncall: needs url, url_env or url_file');
  assert.equal(
    problem(slack('    url: https://a.example/\n    url_env: SLACK_URL\n'), { SLACK_URL: 'https://b.example/' }),
    '/etc/kernwatch/kernwatch.yaml:5:14: notifiers.oncall.url_env: set only one of url, url_env',
  );
  assert.equal(
    problem(slack('    url_env: SLACK_URL\n')),
    '/etc/kernwatch/kernwatch.yaml:4:14: notifiers.oncall.url_env: environment variable SLACK_URL is not set',
  );
  const secretish = 'xoxb-not-a-url-but-a-token';
  const message = problem(slack('    url_env: SLACK_URL\n'), { SLACK_URL: secretish });
  assert.equal(message, '/etc/kernwatch/kernwatch.yaml:4:14: notifiers.oncall.url_env: $SLACK_URL is not a URL');
  assert.doesNotMatch(message, /xoxb/);
  const dir = tempDir('config');
  try {
    fs.writeFileSync(path.join(dir, 'slack-url'), 'https://hooks.slack.com/services/T/B/c\n');
    const config = parseConfig(slack('    url_file: slack-url\n'), path.join(dir, 'kernwatch.yaml'), {});
    const n = config.notifiers.get('oncall');
    assert.ok(n?.type === 'slack');
    assert.equal(n.url, 'https://hooks.slack.com/services/T/B/c');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('config: defaults: host name, state_dir from systemd, the built-in stdout notifier', () => {
  const c = defaultConfig({ STATE_DIRECTORY: '/var/lib/kernwatch-x:/other' });
  assert.equal(c.stateDir, '/var/lib/kernwatch-x');
  assert.ok(c.host.length > 0);
  assert.deepEqual([...c.notifiers.keys()], ['stdout']);
  assert.equal(defaultConfig({}).stateDir, '/var/lib/kernwatch');
  const json = parseConfig('{"state_dir": "s", "notifiers": {"hook": {"type": "webhook", "url": "http://h/", "secret": "0123456789abcdef"}}}', '/x/k.json', {});
  assert.equal(json.stateDir, '/x/s');
  assert.equal(
    problem('notifiers:\n  stdout: { type: webhook, url: "http://h/", secret: "0123456789abcdef" }\n'),
    "/etc/kernwatch/kernwatch.yaml:2:19: notifiers.stdout.type: the name 'stdout' is reserved for the built-in stdout notifier",
  );
});

test('config: an unreadable file is one line too', () => {
  assert.throws(() => loadConfig('/nonexistent/kernwatch.yaml'), {
    name: 'ConfigError',
    message: '/nonexistent/kernwatch.yaml: cannot read the config: no such file',
  });
});

test('rule actions are checked against the config: names, channels, recipients', () => {
  const c = parseConfig(
    'notifiers:\n  oncall: { type: slack, url: "https://h/" }\n  mail: { type: email, smtp: { host: h }, from: a@b.c, to: [x@y.z] }\n  fleet: { type: alertmanager, urls: ["http://am:9093"] }\n',
    'k.yaml',
    {},
  );
  assert.equal(checkAction(c, 'oncall', ['#oncall']), undefined);
  assert.equal(checkAction(c, 'oncall', []), undefined);
  assert.equal(checkAction(c, 'oncall', ['#a', '#b']), "slack notifier 'oncall' takes one channel, got 2 arguments");
  assert.equal(checkAction(c, 'oncall', ['<!channel>']), '\'<!channel>\' is not a Slack channel: write it with its # ("#oncall") or as "@user"');
  assert.equal(
    checkAction(c, 'oncall', ['oncall']),
    '\'oncall\' is not a Slack channel: write it with its # ("#oncall") or as "@user"',
    'as the docs say: with its #',
  );
  assert.equal(checkAction(c, 'mail', ['sre@example.com', 'dba@example.com']), undefined);
  assert.equal(checkAction(c, 'mail', ['sre']), "'sre' is not an email address");
  assert.equal(checkAction(c, 'fleet', ['x']), "alertmanager notifier 'fleet' takes no arguments");
  assert.equal(checkAction(c, 'stdout', []), undefined);
  assert.equal(checkAction(c, 'slack', []), "unknown notifier 'slack'; configured: fleet, mail, oncall, stdout");
});
