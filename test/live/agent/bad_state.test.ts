/**
 * Bad state cannot block `kernwatch run`, on the live kernel: a FIFO in
 * place of alerts.json and of an outbox entry, and an entry that parses but
 * holds `"startsAt": "soon"`, are set aside while the good entries are
 * delivered; SIGTERM stops the agent within its stop timeout, also while
 * its start-up waits on a disk that is slow, or that never answers.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Outbox, idempotencyKey } from '../../../src/notifiers/outbox';
import { retryUntil } from '../../support/bounded';
import { NEEDS_ROOT } from '../../support/root';
import { Receiver, oomAlert, tempDir } from '../../notifiers/support';
import { AgentProcess, writeFiles } from '../../agent/support';

const SKIP = NEEDS_ROOT;
/** the agent's own bound on a start-up interrupted by SIGTERM (run_command's STARTUP_STOP_MS) */
const STARTUP_STOP_MS = 10_000;
const STALL = path.join(__dirname, 'stall_disk.js');

interface Setup {
  readonly dir: string;
  readonly state: string;
  readonly outbox: string;
  readonly receiver: Receiver;
}

async function withSetup(body: (s: Setup) => Promise<void>): Promise<void> {
  const dir = tempDir('badstate-live');
  const receiver = await Receiver.start();
  try {
    writeFiles(dir, {
      'kernwatch.yaml': `host: bad-state\nstate_dir: ./state\nrules: [rules/]\nnotifiers:\n  hook: { type: webhook, url: "${receiver.url}", secret: 0123456789abcdef, timeout: 2s }\n`,
      // a rule that never fires here: the outbox is what is under test
      'rules/oom.rules': 'rule "never" {\n  when oom.victim and memcg == "/kw-bad-state-none"\n  summary "{comm}"\n  then hook\n}\n',
    });
    const state = path.join(dir, 'state');
    await body({ dir, state, outbox: path.join(state, 'outbox', 'hook'), receiver });
  } finally {
    await receiver.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test(
  'a FIFO as alerts.json and as an outbox entry, and an entry with "startsAt": "soon": start-up completes, the 8 good entries are delivered, SIGTERM stops',
  { skip: SKIP, timeout: 90_000 },
  async () => {
    await withSetup(async (s) => {
      const box = await Outbox.open(s.outbox, { maxEntries: 1000, maxAgeMs: 3_600_000 });
      for (let i = 0; i < 9; i++) {
        const alert = oomAlert({ fingerprint: `f${i}` });
        await box.add({ key: idempotencyKey(alert, []), notifier: 'hook', args: [], alert, enqueuedAt: Date.now() + i });
      }
      const first = fs.readdirSync(s.outbox).sort()[0] as string;
      const poisoned = JSON.parse(fs.readFileSync(path.join(s.outbox, first), 'utf8')) as { alert: { startsAt: unknown } };
      poisoned.alert.startsAt = 'soon';
      fs.writeFileSync(path.join(s.outbox, first), JSON.stringify(poisoned));
      execFileSync('mkfifo', [path.join(s.outbox, '00000000000001-000000-fifo00000000.json')]);
      execFileSync('mkfifo', [path.join(s.state, 'alerts.json')]);

      const agent = AgentProcess.start(s.dir);
      try {
        await agent.running();
        await retryUntil('the 8 good entries delivered', 15_000, () => (s.receiver.requests.length >= 8 ? true : undefined));
        const delivered = s.receiver.requests.map((r) => (JSON.parse(r.body) as { fingerprint: string }).fingerprint).sort();
        assert.deepEqual(delivered, ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8']);
        const state = agent.logs.filter((l) => l.msg === 'the saved alert state is unreadable; starting without it');
        assert.equal(state.length, 1, agent.stderrText());
        assert.match(String(state[0]?.reason), /a FIFO/);
        const entries = agent.logs.filter((l) => l.msg === 'outbox entries that cannot be delivered set aside as *.corrupt');
        assert.equal(entries.length, 1, agent.stderrText());
        assert.equal(entries[0]?.entries, 2);
        assert.ok(fs.statSync(path.join(s.state, 'alerts.json.corrupt')).isFIFO());
        agent.signal('SIGTERM');
        assert.deepEqual(await agent.exit(15_000), { code: 0, signal: null }, agent.stderrText());
        assert.doesNotMatch(agent.stderrText(), /\n\s+at |"stack"/, 'no stack trace');
        assert.ok(fs.statSync(path.join(s.state, 'alerts.json')).isFile(), 'the state saved at stop is a regular file again');
      } finally {
        await agent.kill();
      }
    });
  },
);

test('SIGTERM while start-up waits on a slow disk: the agent finishes starting, then stops cleanly', { skip: SKIP, timeout: 90_000 }, async () => {
  await withSetup(async (s) => {
    const agent = AgentProcess.start(s.dir, [], { NODE_OPTIONS: `--require=${STALL}`, KW_STALL_DIR: s.outbox, KW_STALL_MS: '3000' });
    try {
      await agent.waitLog('test: readdir stalls', 60_000);
      agent.signal('SIGTERM');
      assert.deepEqual(await agent.exit(STARTUP_STOP_MS + 15_000), { code: 0, signal: null }, agent.stderrText());
      const order = agent.logs.map((l) => l.msg).filter((m) => ['stopping: the signal came during start-up', 'kernwatch running', 'stopped'].includes(m));
      assert.deepEqual(order, ['stopping: the signal came during start-up', 'kernwatch running', 'stopped'], agent.stderrText());
    } finally {
      await agent.kill();
    }
  });
});

test('SIGTERM while start-up hangs on a disk that never answers: the process exits within its stop timeout', { skip: SKIP, timeout: 90_000 }, async () => {
  await withSetup(async (s) => {
    const agent = AgentProcess.start(s.dir, [], { NODE_OPTIONS: `--require=${STALL}`, KW_STALL_DIR: s.outbox });
    try {
      await agent.waitLog('test: readdir stalls', 60_000);
      const sent = Date.now();
      agent.signal('SIGTERM');
      assert.deepEqual(await agent.exit(STARTUP_STOP_MS + 5_000), { code: 1, signal: null }, agent.stderrText());
      const took = Date.now() - sent;
      assert.ok(took >= STARTUP_STOP_MS - 500 && took < STARTUP_STOP_MS + 5_000, `exited after ${took} ms`);
      const line = agent.logs.find((l) => l.msg === 'start-up did not end after the stop signal; exiting without it');
      assert.equal(line?.level, 'error', agent.stderrText());
    } finally {
      await agent.kill();
    }
  });
});
