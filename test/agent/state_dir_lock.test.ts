/**
 * One agent per state directory: the lock is taken before alerts.json or an
 * outbox is read, a second agent is refused with one line having written
 * nothing there (agents on the simulated kernel: no root), and a lock left
 * by a killed agent is taken over at once, also when several agents start
 * together on it.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { test } from 'node:test';
import { Agent } from '../../src/agent/agent';
import { jsonLog } from '../../src/agent/log';
import { loadRuleSet } from '../../src/agent/rule_set';
import { StateDirLock } from '../../src/agent/state_dir_lock';
import { loadConfig } from '../../src/config/load_config';
import { SimulatedKernel } from '../../src/live/simulated_kernel';
import { retryUntil } from '../support/bounded';
import { Receiver, withTempDir } from '../notifiers/support';
import { dirContents as contents, writeFiles } from './support';

interface LockChild {
  readonly proc: ChildProcess;
  readonly lines: string[];
  readonly exited: Promise<void>;
}

/** lock_child.js on `dir`: another agent taking the lock. */
function lockChild(dir: string, holdMs?: number): LockChild {
  const proc = spawn(process.execPath, [path.join(__dirname, 'lock_child.js'), dir, ...(holdMs === undefined ? [] : [String(holdMs)])], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  proc.stdout?.on('data', (c: Buffer) => lines.push(...c.toString().split('\n').filter(Boolean)));
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  const killer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  killer.unref();
  void exited.then(() => clearTimeout(killer));
  return { proc, lines, exited };
}

const firstLine = (c: LockChild): Promise<string> => retryUntil('the child’s answer', 10_000, () => c.lines[0]);

async function killed(c: LockChild): Promise<void> {
  c.proc.kill('SIGKILL');
  await c.exited;
}

test('a second agent on a running agent’s state directory is refused with one line, writes nothing there; the first goes on', async () => {
  await withTempDir('lock', async (dir) => {
    const state = path.join(dir, 'state');
    const receiver = await Receiver.start();
    // down until the second agent has come and gone: the first one's page waits in its outbox
    receiver.replies = Array.from({ length: 1000 }, () => ({ status: 503 }));
    const kernel = new SimulatedKernel();
    const spare = new SimulatedKernel();
    writeFiles(dir, {
      'kernwatch.yaml': `state_dir: ./state\nrules: [rules/]\nnotifiers:\n  hook: { type: webhook, url: "${receiver.url}", secret: 0123456789abcdef, timeout: 2s }\n`,
      'rules/oom.rules': 'rule "oom" { when oom.victim by pid cooldown 1h summary "{comm} ({pid})" then hook }\n',
    });
    const config = loadConfig(path.join(dir, 'kernwatch.yaml'));
    const loaded = loadRuleSet(config);
    assert.ok(loaded.ok);
    let first: Agent | undefined;
    try {
      first = await Agent.start(config, loaded.ruleSet, { log: jsonLog('error', new PassThrough()), watch: false, kernel });
      kernel.fire({ event: 'oom.victim', members: { comm: 'java', pid: 77, tgid: 77, anon_rss_kb: 4096 } });
      await retryUntil('the page refused once, in the outbox and in alerts.json', 10_000, () => {
        const box = path.join(state, 'outbox', 'hook');
        const saved = fs.existsSync(path.join(state, 'alerts.json')) && fs.readFileSync(path.join(state, 'alerts.json'), 'utf8').includes('java');
        return receiver.requests.length > 0 && saved && fs.existsSync(box) && fs.readdirSync(box).length === 1 ? true : undefined;
      });
      const before = contents(state);

      const said: string[] = [];
      const log = new Writable({
        write(chunk: Buffer, _encoding, done) {
          said.push(chunk.toString());
          done();
        },
      });
      await assert.rejects(Agent.start(config, loaded.ruleSet, { log: jsonLog('debug', log), watch: false, kernel: spare }), {
        name: 'StateDirError',
        message: `${state} is in use by another kernwatch (pid ${process.pid})`,
      });
      assert.deepEqual(said, [], 'refused before its first log line');
      assert.deepEqual(contents(state), before, 'alerts.json, the outbox and the lock as they were');

      const refused = receiver.requests.length;
      receiver.replies = [];
      await retryUntil('the waiting page delivered by the first agent', 20_000, () =>
        receiver.requests.length > refused && fs.readdirSync(path.join(state, 'outbox', 'hook')).length === 0 ? true : undefined,
      );
      kernel.fire({ event: 'oom.victim', members: { comm: 'postgres', pid: 78, tgid: 78, anon_rss_kb: 4096 } });
      await retryUntil('a new page from the first agent', 10_000, () => receiver.requests.find((r) => r.body.includes('postgres')));
      await first.stop();
      first = undefined;
      assert.deepEqual(fs.readdirSync(state).sort(), ['alerts.json', 'outbox'], 'the lock released at stop');
    } finally {
      await first?.stop().catch(() => undefined);
      await receiver.close();
      kernel.dispose();
      spare.dispose();
    }
  });
});

test('a start that fails after the lock leaves no directory it made; one that was there stays', async () => {
  await withTempDir('lock', async (dir) => {
    const busy = net.createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const kernel = new SimulatedKernel();
    try {
      const port = (busy.address() as net.AddressInfo).port;
      writeFiles(dir, {
        'kernwatch.yaml': `state_dir: ./var/state\nrules: [rules/]\nmetrics: { listen: "127.0.0.1:${port}" }\n`,
        'rules/oom.rules': 'when oom.victim then stdout\n',
      });
      const config = loadConfig(path.join(dir, 'kernwatch.yaml'));
      const loaded = loadRuleSet(config);
      assert.ok(loaded.ok);
      const start = (): Promise<Agent> => Agent.start(config, loaded.ruleSet, { log: jsonLog('error', new PassThrough()), watch: false, kernel });
      await assert.rejects(start(), { name: 'MetricsListenError' });
      assert.equal(fs.existsSync(path.join(dir, 'var')), false, 'var/ and var/state/ made for the lock, and gone');
      fs.mkdirSync(path.join(dir, 'var', 'state'), { recursive: true });
      await assert.rejects(start(), { name: 'MetricsListenError' });
      assert.deepEqual(fs.readdirSync(path.join(dir, 'var', 'state')), [], 'there before: kept, and left empty');
    } finally {
      kernel.dispose();
      await new Promise((resolve) => busy.close(resolve));
    }
  });
});

test('a lock left by a SIGKILLed agent is taken over at once, its pid file with it; a released lock lets the next agent in', async () => {
  await withTempDir('lock', async (dir) => {
    const state = path.join(dir, 'state');
    const dead = lockChild(state);
    assert.equal(await firstLine(dead), 'held');
    await killed(dead);
    assert.ok(fs.lstatSync(path.join(state, 'LOCK')).isSocket(), 'the dead agent’s socket is still there');
    const lock = await StateDirLock.take(state);
    assert.equal(lock.unwritable, undefined);
    assert.equal(fs.readFileSync(path.join(state, 'LOCK.pid'), 'utf8'), `${process.pid}\n`);
    assert.deepEqual(fs.readdirSync(state).sort(), ['LOCK', 'LOCK.pid'], 'no name of the takeover left behind');
    const next = lockChild(state, 60_000);
    try {
      assert.match(await firstLine(next), new RegExp(`^refused: .* is in use by another kernwatch \\(pid ${process.pid}\\)$`));
    } finally {
      await killed(next);
    }
    assert.equal(lock.release(), undefined);
    assert.deepEqual(fs.readdirSync(state), [], 'a clean release leaves nothing');
    const again = await StateDirLock.take(state);
    again.release();
  });
});

test('agents starting together on a dead agent’s lock: exactly one takes it', { timeout: 30_000 }, async () => {
  await withTempDir('lock', async (dir) => {
    const state = path.join(dir, 'state');
    const dead = lockChild(state);
    assert.equal(await firstLine(dead), 'held');
    await killed(dead);
    const racers = Array.from({ length: 8 }, () => lockChild(state));
    try {
      const answers = await Promise.all(racers.map(firstLine));
      assert.equal(answers.filter((a) => a === 'held').length, 1, answers.join('\n'));
      assert.ok(
        answers.every((a) => a === 'held' || / is in use by another kernwatch/.test(a)),
        answers.join('\n'),
      );
    } finally {
      await Promise.all(racers.map(killed));
    }
  });
});

test('a FIFO where the lock should be is set aside, never opened; a state_dir under a file is one line', async () => {
  await withTempDir('lock', async (dir) => {
    const state = path.join(dir, 'state');
    fs.mkdirSync(state);
    execFileSync('mkfifo', [path.join(state, 'LOCK'), path.join(state, 'LOCK.pid')]);
    const lock = await StateDirLock.take(state);
    try {
      assert.ok(fs.lstatSync(path.join(state, 'LOCK')).isSocket(), 'the lock taken');
      assert.ok(fs.lstatSync(path.join(state, 'LOCK.corrupt')).isFIFO(), 'the FIFO moved out of its way');
    } finally {
      lock.release();
    }
    fs.writeFileSync(path.join(dir, 'file'), '');
    await assert.rejects(StateDirLock.take(path.join(dir, 'file', 'state')), {
      name: 'StateDirError',
      message: `cannot use ${path.join(dir, 'file', 'state')}: ENOTDIR (set state_dir in the config)`,
    });
  });
});

test('a state_dir path longer than a socket address holds is locked all the same', async () => {
  await withTempDir('lock', async (dir) => {
    const state = path.join(dir, 'd'.repeat(100), 'state');
    const lock = await StateDirLock.take(state);
    try {
      assert.ok(fs.lstatSync(path.join(state, 'LOCK')).isSocket());
      await assert.rejects(StateDirLock.take(state), /is in use by another kernwatch/);
    } finally {
      lock.release();
    }
    assert.deepEqual(fs.readdirSync(state), []);
  });
});
