/**
 * A process that names itself with bytes that are not UTF-8, a newline and
 * an escape sequence: the agent's JSON (stdout, as a webhook gets it) shows
 * every one of them, obeys none, and gives the exact bytes back.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { retryUntil } from '../../support/bounded';
import { NEEDS_ROOT } from '../../support/root';
import { ScratchCgroup } from '../../support/scratch_cgroup';
import { exactBytes, tempDir } from '../../notifiers/support';
import { AgentProcess, writeFiles } from '../../agent/support';

const NAME = Buffer.from([0x6b, 0x77, 0xff, 0xfe, 0x0a, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0xc3, 0xa9]); // kw, 2 bad bytes, \n, ESC[31m, é

test('a process name of bytes that are not UTF-8 arrives shown, not obeyed, and exact', { skip: NEEDS_ROOT, timeout: 60_000 }, async () => {
  const dir = tempDir('hostile');
  const cg = ScratchCgroup.v2();
  let agent: AgentProcess | undefined;
  try {
    writeFiles(dir, {
      'kernwatch.yaml': 'host: names-test\nstate_dir: ./state\nrules: [rules/]\n',
      'rules/exits.rules': `rule "scratch-exit" { when process.exit and cgroup matches "${cg.path}" then stdout }\n`,
    });
    agent = AgentProcess.start(dir);
    await agent.running();
    const script = [
      'import ctypes, os',
      `open("${cg.dir}/cgroup.procs", "w").write(str(os.getpid()))`,
      `ctypes.CDLL(None).prctl(15, bytes.fromhex("${NAME.toString('hex')}"), 0, 0, 0)`,
    ].join('\n');
    const r = spawnSync('python3', ['-c', script], { timeout: 20_000 });
    assert.equal(r.status, 0, r.stderr.toString());
    const running = agent;
    const line = await retryUntil('the alert on stdout', 10_000, () => running.stdout.split('\n').find((l) => l.includes('scratch-exit')));
    assert.doesNotMatch(line, /\\u001b|\\n|\\ufffd/, 'no raw escape, newline or replacement character in the JSON');
    const alert = JSON.parse(line) as { fields: { comm: string } };
    assert.equal(alert.fields.comm, 'kw\\xff\\xfe\\x0a\\x1b[31mé');
    assert.deepEqual(exactBytes(alert.fields.comm), NAME);
  } finally {
    await agent?.kill();
    await cg.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
