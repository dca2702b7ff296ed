/**
 * An alert raised is an alert kept, on the live kernel: `kernwatch run`
 * raises an OOM alert for a webhook whose receiver is down, is SIGKILLed
 * right after (as the OOM killer would kill it), and the restarted agent
 * delivers the alert once, under the idempotency key its outbox entry had;
 * also when the kill came between the entry's write and its rename, which a
 * starved event loop makes last (the 11 `.tmp` files, and a restart
 * that delivered none of them).
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { retryUntil, sleep } from '../../support/bounded';
import { oomKillIn } from '../../support/oom';
import { NEEDS_ROOT } from '../../support/root';
import { memoryUnavailable, ScratchCgroup } from '../../support/scratch_cgroup';
import { Receiver, tempDir } from '../../notifiers/support';
import { AgentProcess, writeFiles } from '../../agent/support';

const SKIP = NEEDS_ROOT || memoryUnavailable();
/** the promise of issue #23: the entry is on disk within 100 ms of the alert */
const PERSIST_MS = 100;
const STALL = path.join(__dirname, 'stall_disk.js');

interface Setup {
  readonly dir: string;
  readonly cg: ScratchCgroup;
  /** where the webhook receiver listens once it is back */
  readonly port: number;
  readonly outbox: string;
}

async function withSetup(body: (s: Setup) => Promise<void>): Promise<void> {
  const dir = tempDir('kept');
  const cg = ScratchCgroup.memory();
  const probe = await Receiver.start();
  const port = probe.port;
  await probe.close();
  try {
    writeFiles(dir, {
      'kernwatch.yaml': `host: kept-test
state_dir: ./state
rules: [rules/]
notifiers:
  hook: { type: webhook, url: "http://127.0.0.1:${port}/hook", secret: 0123456789abcdef, timeout: 1s }
`,
      'rules/oom.rules': `rule "kept-oom" {
  when oom.victim and memcg == "${cg.path}"
  severity critical
  summary "{comm} ({pid}) OOM-killed in {memcg}"
  then hook
}
`,
    });
    await body({ dir, cg, port, outbox: path.join(dir, 'state', 'outbox', 'hook') });
  } finally {
    await cg.remove();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The outbox entries on disk (renamed, or complete under their temporary name), by key. */
function entryKeys(outbox: string): string[] {
  if (!fs.existsSync(outbox)) return [];
  const keys: string[] = [];
  for (const name of fs.readdirSync(outbox)) {
    if (!name.endsWith('.json') && !name.endsWith('.tmp')) continue;
    try {
      keys.push((JSON.parse(fs.readFileSync(path.join(outbox, name), 'utf8')) as { key: string }).key);
    } catch {
      // a write under way
    }
  }
  return keys;
}

/**
 * Runs the agent, OOM-kills a process in the scratch cgroup, SIGKILLs the
 * agent when `killWhen` says, and returns the key left in its outbox.
 */
async function raiseAndKill(s: Setup, killWhen: (agent: AgentProcess) => Promise<void>, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const agent = AgentProcess.start(s.dir, [], env);
  try {
    await agent.running();
    const run = await oomKillIn(s.cg, 32, 128);
    assert.equal(run.signal, 'SIGKILL', `the allocator was OOM-killed (exit ${run.code})`);
    await killWhen(agent);
    agent.signal('SIGKILL');
    assert.deepEqual(await agent.exit(5_000), { code: null, signal: 'SIGKILL' });
    assert.ok(
      agent.logs.some((l) => l.msg === 'alert' && l.rule === 'kept-oom'),
      `the agent raised the alert:\n${agent.stderrText()}`,
    );
  } finally {
    await agent.kill();
  }
  const keys = entryKeys(s.outbox);
  assert.equal(keys.length, 1, `one entry left in ${s.outbox}: ${fs.existsSync(s.outbox) ? fs.readdirSync(s.outbox).join(', ') : 'none'}`);
  return keys[0] as string;
}

/** Brings the receiver back, restarts the agent, and checks the alert arrives exactly once with `key`. */
async function restartDelivers(s: Setup, key: string): Promise<void> {
  const receiver = await Receiver.start(s.port);
  const agent = AgentProcess.start(s.dir);
  try {
    await agent.running();
    const req = await retryUntil('the alert delivered after the restart', 15_000, () => receiver.requests[0]);
    assert.equal(req.headers['idempotency-key'], key);
    assert.match(req.body, /"rule":"kept-oom"/);
    // a second delivery would come at once: the entry is still pending or it is not
    await sleep(1_500);
    assert.equal(receiver.requests.length, 1, 'exactly once');
    await retryUntil('the outbox empty', 5_000, () => (entryKeys(s.outbox).length === 0 ? true : undefined));
    agent.signal('SIGTERM');
    assert.deepEqual(await agent.exit(15_000), { code: 0, signal: null }, agent.stderrText());
  } finally {
    await agent.kill();
    await receiver.close();
  }
}

test('SIGKILL as soon as the outbox entry appears: the restart delivers the alert once, with its key', { skip: SKIP, timeout: 120_000 }, async () => {
  await withSetup(async (s) => {
    const key = await raiseAndKill(s, async () => {
      await retryUntil(
        'the outbox entry',
        10_000,
        () => (fs.existsSync(s.outbox) && fs.readdirSync(s.outbox).some((n) => n.endsWith('.json')) ? true : undefined),
        1,
      );
    });
    await restartDelivers(s, key);
  });
});

test(`SIGKILL ${PERSIST_MS} ms after the alert is logged as raised, whatever is under way: nothing is lost`, { skip: SKIP, timeout: 120_000 }, async () => {
  await withSetup(async (s) => {
    const key = await raiseAndKill(s, async (agent) => {
      await agent.waitLog('alert', 10_000, (l) => l.rule === 'kept-oom');
      await sleep(PERSIST_MS);
    });
    await restartDelivers(s, key);
  });
});

test(
  'SIGKILL between the entry written and its rename: the restart recovers the .tmp entry and delivers it once',
  { skip: SKIP, timeout: 120_000 },
  async () => {
    await withSetup(async (s) => {
      // the outbox's rename never runs, as when the event loop is starved after the write
      const stalled = { NODE_OPTIONS: `--require=${STALL}`, KW_STALL_CALL: 'rename', KW_STALL_DIR: s.outbox };
      const key = await raiseAndKill(
        s,
        async (agent) => {
          await agent.waitLog('test: rename stalls', 10_000);
          assert.deepEqual(
            fs.readdirSync(s.outbox).filter((n) => n.endsWith('.json')),
            [],
            'only the .tmp',
          );
        },
        stalled,
      );
      await restartDelivers(s, key);
    });
  },
);
