/**
 * A state directory that is full or read-only, at start or while running:
 * one clear line, alerts still delivered from memory, a clean shutdown.
 * Each case mounts its own small tmpfs as the state directory.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { retryUntil } from '../../support/bounded';
import { NEEDS_ROOT } from '../../support/root';
import { Receiver, tempDir } from '../../notifiers/support';
import { AgentProcess, writeFiles } from '../../agent/support';

const SKIP = NEEDS_ROOT;
const PROBE = 'kw-statedir';

const RULE = `rule "probe-exit" {
  when process.exit and comm == "${PROBE}" by pid
  summary "{comm} ({pid}) exited"
  then oncall
}
`;

type Mode = 'full' | 'read-only' | 'writable';

async function withStateDir(
  mode: Mode,
  body: (s: { dir: string; state: string; slack: Receiver; probe: () => void; remountReadOnly: () => void }) => Promise<void>,
): Promise<void> {
  const dir = tempDir('statedir');
  const state = path.join(dir, 'state');
  fs.mkdirSync(state);
  const probeBin = path.join(dir, PROBE);
  fs.copyFileSync('/bin/true', probeBin);
  fs.chmodSync(probeBin, 0o755);
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k,mode=0700', 'kw-state', state]);
  const slack = await Receiver.start();
  try {
    if (mode === 'full') {
      try {
        fs.writeFileSync(path.join(state, 'filler'), Buffer.alloc(1024 * 1024));
      } catch (e) {
        assert.equal((e as NodeJS.ErrnoException).code, 'ENOSPC');
      }
    }
    const remountReadOnly = (): void => void execFileSync('mount', ['-o', 'remount,ro', state]);
    if (mode === 'read-only') remountReadOnly();
    writeFiles(dir, {
      'kernwatch.yaml': `host: state-test\nstate_dir: ./state\nrules: [rules/]\nnotifiers:\n  oncall: { type: slack, url_env: SLACK_URL, min_interval: 100ms, timeout: 2s }\n`,
      'rules/probe.rules': RULE,
    });
    await body({ dir, state, slack, probe: () => void execFileSync(probeBin), remountReadOnly });
  } finally {
    await slack.close();
    execFileSync('umount', ['-l', state]);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function runCase(mode: Mode, expectLine: RegExp | undefined, whileRunning?: (s: { remountReadOnly: () => void }) => void): Promise<AgentProcess> {
  let agent: AgentProcess | undefined;
  await withStateDir(mode, async (s) => {
    agent = AgentProcess.start(s.dir, [], { SLACK_URL: s.slack.url });
    try {
      await agent.running();
      if (expectLine) {
        const line = agent.logs.find((l) => expectLine.test(l.msg));
        assert.ok(line, `one clear line: ${agent.stderrText()}`);
        assert.equal(line.level, 'error');
      }
      whileRunning?.(s);
      s.probe();
      await retryUntil('the alert delivered from memory', 10_000, () => s.slack.requests.find((r) => r.body.includes(`${PROBE} (`)));
      agent.signal('SIGTERM');
      const exit = await agent.exit(15_000);
      assert.deepEqual(exit, { code: 0, signal: null }, `a clean shutdown:\n${agent.stderrText()}`);
      assert.doesNotMatch(agent.stderrText(), /\n\s+at |"stack"/, 'no stack trace');
    } finally {
      await agent.kill();
    }
  });
  return agent as AgentProcess;
}

test('a full state directory at start: one line, alerts from memory, a clean stop', { skip: SKIP, timeout: 60_000 }, async () => {
  await runCase('full', /^cannot write the state directory \(no space left on device\): notifications are kept in memory only/);
});

test('a read-only state directory at start: one line, alerts from memory, a clean stop', { skip: SKIP, timeout: 60_000 }, async () => {
  await runCase('read-only', /^cannot write the state directory \(read-only file system\)/);
});

test('a state directory gone read-only while running: alerts still delivered, SIGTERM stops cleanly', { skip: SKIP, timeout: 60_000 }, async () => {
  const agent = await runCase('writable', undefined, (s) => s.remountReadOnly());
  assert.ok(
    agent.logs.some((l) => l.msg === 'could not remove the state directory lock; the next start takes it over' && l.reason === 'read-only file system'),
    agent.stderrText(),
  );
});
