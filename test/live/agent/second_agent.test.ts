/**
 * Two `kernwatch run` on one state directory, on the live kernel: the
 * second is refused with one line and exit 1 before it reads or writes
 * anything there (alerts.json and the outbox keep their bytes and mtimes),
 * and the first goes on alerting and delivering what it had pending.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { retryUntil } from '../../support/bounded';
import { NEEDS_ROOT } from '../../support/root';
import { Receiver, tempDir } from '../../notifiers/support';
import { AgentProcess, dirContents as contents, writeFiles } from '../../agent/support';

const PROBE = 'kw-second';

const RULE = `rule "probe-exit" {
  when process.exit and comm == "${PROBE}" by pid
  summary "{comm} ({pid}) exited"
  cooldown 10m
  then oncall
}
`;

test(
  'a second agent on the same state directory is refused, writes nothing there; the first keeps alerting',
  { skip: NEEDS_ROOT, timeout: 90_000 },
  async () => {
    const dir = tempDir('second');
    const state = path.join(dir, 'state');
    const probeBin = path.join(dir, PROBE);
    fs.copyFileSync('/bin/true', probeBin);
    fs.chmodSync(probeBin, 0o755);
    const slack = await Receiver.start();
    // down until the second agent has come and gone: the first one's alert waits in its outbox
    slack.replies = Array.from({ length: 1000 }, () => ({ status: 503 }));
    writeFiles(dir, {
      'kernwatch.yaml': `host: second-test\nstate_dir: ./state\nrules: [rules/]\nnotifiers:\n  oncall: { type: slack, url_env: SLACK_URL, min_interval: 100ms, timeout: 2s }\n`,
      'rules/probe.rules': RULE,
    });
    const first = AgentProcess.start(dir, [], { SLACK_URL: slack.url });
    let second: AgentProcess | undefined;
    try {
      await first.running();
      execFileSync(probeBin);
      await retryUntil('the alert in alerts.json and in the outbox', 10_000, () => {
        const saved = fs.existsSync(path.join(state, 'alerts.json')) && fs.readFileSync(path.join(state, 'alerts.json'), 'utf8').includes(PROBE);
        const pending =
          fs.existsSync(path.join(state, 'outbox', 'oncall')) && fs.readdirSync(path.join(state, 'outbox', 'oncall')).some((n) => n.endsWith('.json'));
        return saved && pending && slack.requests.length > 0 ? true : undefined;
      });
      const before = contents(state);

      second = AgentProcess.start(dir, [], { SLACK_URL: slack.url });
      assert.deepEqual(await second.exit(30_000), { code: 1, signal: null }, second.stderrText());
      assert.deepEqual(second.plain.filter(Boolean), [`kernwatch: ${state} is in use by another kernwatch (pid ${first.pid})`]);
      assert.deepEqual(second.logs, [], 'refused before its first log line');
      assert.deepEqual(contents(state), before, 'alerts.json, the outbox and the lock as they were');

      const refused = slack.requests.length;
      slack.replies = [];
      // the first agent's retries back off (1 s doubling): the next one comes within some seconds
      await retryUntil('the pending alert delivered by the first agent', 40_000, () =>
        slack.requests.length > refused && fs.readdirSync(path.join(state, 'outbox', 'oncall')).length === 0 ? true : undefined,
      );
      const delivered = slack.requests.length;
      execFileSync(probeBin);
      await retryUntil('a new alert from the first agent', 10_000, () => (slack.requests.length > delivered ? true : undefined));
      first.signal('SIGTERM');
      assert.deepEqual(await first.exit(15_000), { code: 0, signal: null }, first.stderrText());
      assert.ok(!fs.existsSync(path.join(state, 'LOCK')), 'the lock released at exit');
    } finally {
      await second?.kill();
      await first.kill();
      await slack.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  },
);
