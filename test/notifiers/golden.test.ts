/**
 * Golden tests of what reaches people and machines: the Slack blocks, the
 * email (text and HTML) and the Alertmanager payload, for an OOM (an event
 * rule with a description, a runbook and a source link) and a fork storm (a
 * window rule), both raised by the engine from a real recording. A change
 * to any of them shows as a diff here; UPDATE_GOLDEN=1 rewrites the files,
 * to be read before committing.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { Alert } from '../../src/engine/alert';
import { replay } from '../../src/engine/replay';
import { eventsFromJsonLines } from '../../src/events/event_json';
import { amAlert } from '../../src/notifiers/alertmanager';
import { emailMessage } from '../../src/notifiers/email';
import type { Delivery } from '../../src/notifiers/notifier';
import { idempotencyKey } from '../../src/notifiers/outbox';
import { slackMessage } from '../../src/notifiers/slack';
import type { SlackConfig } from '../../src/config/config';
import { rulesFrom } from '../engine/helpers';

const GOLDEN = path.join(__dirname, '..', '..', '..', 'test', 'notifiers', 'golden');
const RULES = path.join(__dirname, '..', '..', '..', 'rules', 'tests');

const SLACK: SlackConfig = {
  name: 'oncall',
  type: 'slack',
  url: 'https://hooks.slack.com/services/T0/B0/x',
  channel: '#oncall',
  minIntervalMs: 1000,
  sendResolved: true,
  minSeverity: 'info',
  timeoutMs: 5000,
  outbox: { maxEntries: 100, maxAgeMs: 3_600_000 },
};

function golden(name: string, actual: string): void {
  const file = path.join(GOLDEN, name);
  if (process.env.UPDATE_GOLDEN === '1') fs.writeFileSync(file, actual);
  assert.equal(actual, fs.readFileSync(file, 'utf8'), `${name} (UPDATE_GOLDEN=1 rewrites it)`);
}

function delivery(alert: Alert): Delivery {
  return { id: '1', key: idempotencyKey(alert, []), notifier: 'oncall', args: [], alert, enqueuedAt: alert.at };
}

function firstAlert(rules: string, recording: string): Alert {
  const events = eventsFromJsonLines(fs.readFileSync(path.join(RULES, recording), 'utf8'), recording);
  const notice = replay(rulesFrom(rules), events, { host: 'web-3' }).notices[0];
  assert.ok(notice, 'the rule fires on the recording');
  // as the dispatcher gives it to notifiers when the config has rule_source_url
  return { ...notice.alert, sourceUrl: `https://git.example.com/sre/rules/blob/main/prod_oom.rules#L${notice.alert.source?.line}` };
}

function renderAll(name: string, alert: Alert): void {
  const d = delivery(alert);
  golden(`${name}.slack.json`, `${JSON.stringify(slackMessage([d], SLACK), null, 2)}\n`);
  const mail = emailMessage(d);
  golden(`${name}.email.txt`, `Subject: ${mail.subject}\nMessage-ID: ${mail.messageId}\n\n${mail.text}`);
  golden(`${name}.email.html`, `${mail.html}\n`);
  golden(`${name}.alertmanager.json`, `${JSON.stringify(amAlert(alert, alert.at, 60_000), null, 2)}\n`);
}

test('golden: an OOM alert in Slack, email and Alertmanager', () => {
  const alert = firstAlert(
    `rule "prod-oom" {
      when oom.victim and cgroup matches "/prod/**" by cgroup
      severity critical
      summary "{comm} ({pid}) OOM-killed in {cgroup}: anon {anon_rss}"
      description "The kernel killed {comm} because {memcg} reached its memory limit. Check the service's memory.max and its recent deploys."
      runbook "https://wiki.example.com/runbooks/oom"
      labels { team = "sre" }
      then slack("#oncall")
    }`,
    'prod_oom.events.jsonl',
  );
  renderAll('oom', alert);
});

test('golden: a fork storm (window) alert in Slack, email and Alertmanager', () => {
  const recording = path.join(RULES, 'fork_storm.events.js');
  // the storm recording is a script that prints its lines
  const lines = execFileSync(process.execPath, [recording], { maxBuffer: 256 << 20 }).toString();
  const events = eventsFromJsonLines(lines, recording);
  const notice = replay(
    rulesFrom(
      'rule "fork-storm" { when count(process.fork) > 2000 within 10s by cgroup severity critical summary "{value} forks in 10s in {cgroup}" then slack }',
    ),
    events,
    { host: 'web-3' },
  ).notices[0];
  assert.ok(notice);
  renderAll('fork_storm', notice.alert);
});
