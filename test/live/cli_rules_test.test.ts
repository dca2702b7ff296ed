/** `kernwatch rules test` as a user runs it: a live dry-run that reports what would fire and sends nothing. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { KERNWATCH, startCli } from '../support/run_cli';
import { NEEDS_ROOT } from '../support/root';

test('rules test --json reports the alert a live event raised, its target, and the kernel counters', { skip: NEEDS_ROOT }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-rules-test-'));
  try {
    fs.writeFileSync(
      path.join(dir, 'dryrun.rules'),
      'rule "dry-run" {\n  when process.exit and comm == "kw-dryrun" and exit_status == 7\n  summary "{comm} ({pid}) exited {exit_status}"\n  then slack("#oncall")\n}\n',
    );
    // ended by Ctrl-C once the victim is gone: python3 alone takes seconds in an emulated guest
    const running = startCli(['rules', 'test', dir, '--duration', '120s', '--json']);
    await running.stderrMatches(/testing 1 rules/);
    const victim = spawnSync('python3', ['-c', 'import ctypes, os; ctypes.CDLL(None).prctl(15, b"kw-dryrun", 0, 0, 0); os._exit(7)']);
    assert.equal(victim.status, 7);
    running.kill('SIGINT');
    const { code, stdout, stderr } = await running.done;
    assert.equal(code, 0, stderr);
    const report = JSON.parse(stdout) as {
      kernel: { seen: number; sent: number; lost: number };
      rules: Array<{ rule: string; matched: number }>;
      notices: Array<{
        change: string;
        targets: Array<{ notifier: string; args: string[] }>;
        alert: { rule: string; summary: string; fields: Record<string, unknown> };
      }>;
    };
    assert.equal(report.notices.length, 1);
    const [notice] = report.notices;
    assert.equal(notice?.change, 'firing');
    assert.equal(notice?.alert.summary, `kw-dryrun (${victim.pid}) exited 7`);
    assert.deepEqual(notice?.targets, [{ notifier: 'slack', args: ['#oncall'] }]);
    assert.equal(report.rules[0]?.matched, 1);
    assert.ok(report.kernel.seen > report.kernel.sent, 'the kernel filtered other exits');
    assert.equal(report.kernel.lost, 0);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('rules test on a broken rule file prints located errors and exits 1 without loading anything', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-rules-test-'));
  try {
    fs.writeFileSync(path.join(dir, 'broken.rules'), 'when oom.victim and pidd > 3 then stdout\n');
    const r = spawnSync(process.execPath, [KERNWATCH, 'rules', 'test', dir, '--duration', '1s'], { encoding: 'utf8' });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /broken\.rules:1:21: error: .*pidd.*did you mean 'pid'/);
    assert.doesNotMatch(r.stderr, /at .*\.js:\d+/, 'no stack trace');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
