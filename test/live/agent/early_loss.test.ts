/**
 * Records the kernel loses in the agent's first seconds, before its first
 * self-monitoring sample, raise the loss self-alert: loss counts from attach.
 * A 4 KiB ring buffer and a fork burst make the loss for real.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { retryUntil } from '../../support/bounded';
import { NEEDS_ROOT } from '../../support/root';
import { Receiver, tempDir } from '../../notifiers/support';
import { AgentProcess, writeFiles } from '../../agent/support';

test('records lost in the first seconds after start raise the loss self-alert', { skip: NEEDS_ROOT, timeout: 60_000 }, async (t) => {
  const dir = tempDir('early-loss');
  const slack = await Receiver.start();
  const agent = (() => {
    writeFiles(dir, {
      'kernwatch.yaml': [
        'host: loss-test',
        'state_dir: ./state',
        'rules: [rules/]',
        'ring_buffer: 4KiB',
        'notifiers:',
        '  oncall: { type: slack, url_env: SLACK_URL, min_interval: 100ms, timeout: 2s }',
        'self_alerts: { notify: [oncall], lost_percent: 1, lost_window: 5m }',
        '',
      ].join('\n'),
      // `not` is decided in userspace: every event of a fork's life is shipped, one record each
      'rules/forks.rules': ['process.fork', 'process.newtask', 'process.exit', 'process.free']
        .map((e) => `rule "every-${e.split('.')[1]}" { when ${e} and not comm == "kw-never" then stdout }\n`)
        .join(''),
    });
    return AgentProcess.start(dir, [], { SLACK_URL: slack.url });
  })();
  try {
    await agent.running();
    const started = Date.now();
    // a burst well within the first 5 s sample interval
    // two forkers without exec, 3,000 to 6,000 forks a second on 2 cores, four
    // records each (fork, newtask, exit, free): the 4 KiB ring holds about 40
    // records and the reader looks every 10 ms, so it overflows even when a
    // busy machine halves the fork rate
    const forker = `perl -MPOSIX -e 'for (1..6000) { my $p = fork(); if ($p == 0) { POSIX::_exit(0) } waitpid($p, 0) }'`;
    const burst = spawnSync('bash', ['-c', `${forker} & ${forker} & wait`], { timeout: 20_000 });
    assert.equal(burst.status, 0);
    t.diagnostic(`burst took ${Date.now() - started} ms`);
    const post = await retryUntil('the loss self-alert', 15_000, () => slack.requests.find((r) => r.body.includes('the kernel lost')));
    assert.match(post.body, /FIRING:warning\] kernwatch on loss-test/);
    const alert = agent.logs.find((l) => l.msg === 'self-alert' && l.alertname === 'KernwatchRecordsLost');
    assert.ok(alert, agent.stderrText());
    t.diagnostic(String(alert.summary));
  } finally {
    await agent.kill();
    await slack.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
