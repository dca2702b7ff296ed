import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import { test } from 'node:test';
import { Dispatcher } from '../../src/notifiers/dispatcher';
import { Outbox, idempotencyKey } from '../../src/notifiers/outbox';
import type { NotifierStats } from '../../src/notifiers/delivery_queue';
import { retryUntil } from '../support/bounded';
import { FakeClock } from '../support/fake_clock';
import { Receiver, configFrom, deadUrl, memoryLogger, oomAlert, tempDir, withDispatcher, withTempDir } from './support';

const SETTINGS = { maxEntries: 3, maxAgeMs: 60_000 };

function entry(fingerprint: string, enqueuedAt = 1000): Parameters<Outbox['add']>[0] {
  const alert = oomAlert({ fingerprint });
  return { key: idempotencyKey(alert, []), notifier: 'n', args: [], alert, enqueuedAt };
}

test('outbox: entries survive reopening, in order; a repeated key is one entry', async () => {
  await withTempDir('outbox', async (dir) => {
    const box = await Outbox.open(dir, SETTINGS);
    await box.add(entry('a'));
    await box.add(entry('b'));
    assert.deepEqual(await box.add(entry('a')), { outcome: 'duplicate' });
    const again = await Outbox.open(dir, SETTINGS);
    assert.deepEqual(
      again.pending().map((d) => d.alert.fingerprint),
      ['a', 'b'],
    );
    assert.equal(typeof again.pending()[0]?.alert.fields.cgroup_id, 'string', 'bigint stored as a decimal string');
    await again.remove(again.pending().slice(0, 1));
    assert.deepEqual(
      (await Outbox.open(dir, SETTINGS)).pending().map((d) => d.alert.fingerprint),
      ['b'],
    );
  });
});

test('outbox: when full the oldest go, and are returned to be counted', async () => {
  await withTempDir('outbox', async (dir) => {
    const box = await Outbox.open(dir, SETTINGS);
    for (const f of ['a', 'b', 'c']) await box.add(entry(f));
    const r = await box.add(entry('d'));
    assert.equal(r.outcome, 'queued');
    assert.deepEqual(r.outcome === 'queued' ? r.dropped.map((d) => d.alert.fingerprint) : [], ['a']);
    assert.equal(fs.readdirSync(dir).filter((n) => n.endsWith('.json')).length, 3);
  });
});

test('outbox: a half-written entry is discarded and an unreadable one set aside and counted', async () => {
  await withTempDir('outbox', async (dir) => {
    const box = await Outbox.open(dir, SETTINGS);
    await box.add(entry('a'));
    fs.writeFileSync(path.join(dir, '.00000000002000-000001-abc.tmp'), '{"key":');
    fs.writeFileSync(path.join(dir, '00000000003000-000002-def.json'), 'garbage');
    const again = await Outbox.open(dir, SETTINGS);
    assert.equal(again.size, 1);
    assert.deepEqual(
      again.opening.setAside.map((s) => path.basename(s.file)),
      ['00000000003000-000002-def.json.corrupt'],
    );
    assert.deepEqual(fs.readdirSync(dir).sort().slice(-2), ['00000000003000-000002-def.json.corrupt', again.pending()[0]?.id + '.json'].sort());
  });
});

const hookYaml = (url: string, extra = ''): string =>
  `state_dir: ./state\nnotifiers:\n  hook: { type: webhook, url: "${url}", secret: 0123456789abcdef${extra} }\n`;

test('dispatcher: a notification older than max_age is dropped and counted, not delivered late', async () => {
  const clock = new FakeClock();
  await withDispatcher(
    'expire',
    deadUrl,
    (dead) => hookYaml(dead.url, ', outbox: { max_age: 1m }'),
    async ({ dispatcher: d, log }) => {
      await d.dispatch('hook', { alert: oomAlert(), args: [] });
      await retryUntil('a failed attempt', 5000, () => d.stats().find((s) => s.name === 'hook' && s.failures > 0));
      clock.advance(61_000);
      const s = await retryUntil('the expiry', 5000, () => d.stats().find((x) => x.name === 'hook' && x.dropped.expired === 1));
      assert.equal(s.pending, 0);
      assert.ok(log.lines.some((l) => l.level === 'error' && /max_age/.test(l.msg)));
    },
    { clock },
  );
});

test('dispatcher: overflow while the receiver is down is counted as dropped, never silent', async () => {
  await withDispatcher(
    'overflow',
    deadUrl,
    (dead) => hookYaml(dead.url, ', outbox: { max_entries: 5 }'),
    async ({ dispatcher: d, log }) => {
      for (let i = 0; i < 8; i++) await d.dispatch('hook', { alert: oomAlert({ fingerprint: `f${i}` }), args: [] });
      const s = d.stats().find((x) => x.name === 'hook');
      assert.equal(s?.dropped.overflow, 3);
      assert.equal(s?.pending, 5);
      assert.ok(log.lines.some((l) => l.level === 'error' && /outbox full/.test(l.msg)));
    },
  );
});

test('dispatcher: resolutions are skipped where send_resolved is false; unknown notifiers are refused', async () => {
  const dir = tempDir('resolved');
  let d: Dispatcher | undefined;
  try {
    const yaml = `state_dir: ./state\nnotifiers:\n  quiet: { type: stdout, send_resolved: false }\n`;
    const lines: string[] = [];
    const stdout = new Writable({
      write(chunk: Buffer, _e, cb) {
        lines.push(chunk.toString());
        cb();
      },
    });
    d = await Dispatcher.open(configFrom(yaml, dir), { log: memoryLogger(), stdout });
    assert.equal(await d.dispatch('quiet', { alert: oomAlert({ state: 'resolved', endsAt: 1 }), args: [] }), 'skipped');
    assert.equal(await d.dispatch('stdout', { alert: oomAlert(), args: [] }), 'queued', 'the built-in stdout notifier always exists');
    await assert.rejects(d.dispatch('nope', { alert: oomAlert(), args: [] }), /unknown notifier 'nope'/);
    await d.flush(2000);
    assert.equal((JSON.parse(lines.join('')) as { rule: string }).rule, 'prod-oom');
  } finally {
    await d?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('dispatcher: an outbox directory under a file is one line (the state directory’s lock is the agent’s: test/agent/state_dir_lock)', async () => {
  const dir = tempDir('lock');
  try {
    fs.writeFileSync(path.join(dir, 'file'), '');
    const yaml = 'state_dir: ./file/state\nnotifiers:\n  hook: { type: webhook, url: "http://127.0.0.1:9/", secret: 0123456789abcdef }\n';
    await assert.rejects(Dispatcher.open(configFrom(yaml, dir), { log: memoryLogger() }), {
      name: 'StateDirError',
      message: `cannot use ${path.join(dir, 'file', 'state', 'outbox')}: ENOTDIR`,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('dispatcher: flush on shutdown delivers what is pending now, skipping the backoff wait', async () => {
  await withDispatcher(
    'flush',
    async () => {
      const r = await Receiver.start();
      r.replies = [{ status: 503 }];
      return r;
    },
    (r) => hookYaml(r.url),
    async ({ server: r, dispatcher: d }) => {
      await d.dispatch('hook', { alert: oomAlert(), args: [] });
      await retryUntil('the failed attempt', 5000, () => d.stats().find((s) => s.name === 'hook' && s.failures === 1));
      assert.deepEqual(await d.flush(5000), { pending: 0 });
      assert.equal(r.requests.length, 2);
    },
    // a long backoff: only flush can make the retry happen within the test
    { backoff: { baseMs: 60_000, capMs: 60_000 } },
  );
});

/** Runs outage_child.js; lines of stdout are collected. */
function child(config: string, mode?: string): { proc: ChildProcess; lines: string[]; exited: Promise<void> } {
  const proc = spawn(process.execPath, [path.join(__dirname, 'outage_child.js'), config, ...(mode ? [mode] : [])], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let buffer = '';
  proc.stdout?.on('data', (c: Buffer) => {
    buffer += c.toString();
    const parts = buffer.split('\n');
    buffer = parts.pop() ?? '';
    lines.push(...parts);
  });
  proc.stderr?.resume();
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
  return { proc, lines, exited };
}

function lastStats(lines: readonly string[]): NotifierStats[] | undefined {
  const last = [...lines].reverse().find((l) => l.startsWith('['));
  return last ? (JSON.parse(last) as NotifierStats[]) : undefined;
}

test('outage: receiver down, alert raised, agent SIGKILLed, agent restarted, receiver back: the alert arrives once', async () => {
  const dir = tempDir('outage');
  const probe = await Receiver.start();
  const port = probe.port;
  await probe.close();
  let receiver: Receiver | undefined;
  const children: ChildProcess[] = [];
  try {
    const configPath = path.join(dir, 'kernwatch.yaml');
    fs.writeFileSync(
      configPath,
      `state_dir: ./state
notifiers:
  hook: { type: webhook, url: "http://127.0.0.1:${port}/hook", secret: 0123456789abcdef, timeout: 1s }
  chat: { type: slack, url: "http://127.0.0.1:${port}/slack", timeout: 1s, min_interval: 100ms }
`,
    );
    const first = child(configPath, 'raise');
    children.push(first.proc);
    await retryUntil('the alert queued', 10_000, () => (first.lines.includes('queued') ? true : undefined));
    await retryUntil('both notifiers failing against the dead receiver', 10_000, () =>
      lastStats(first.lines)?.every((s) => s.name === 'stdout' || s.failures >= 2) ? true : undefined,
    );
    first.proc.kill('SIGKILL');
    await first.exited;
    assert.equal(fs.readdirSync(path.join(dir, 'state', 'outbox', 'hook')).filter((n) => n.endsWith('.json')).length, 1);

    receiver = await Receiver.start(port);
    const second = child(configPath);
    children.push(second.proc);
    await retryUntil('both deliveries after the restart', 10_000, () => (receiver && receiver.requests.length >= 2 ? true : undefined));
    // empty: each entry went once delivered, so none can be delivered again
    await retryUntil('the outboxes empty', 5000, () => (lastStats(second.lines)?.every((s) => s.pending === 0) ? true : undefined));
    const paths = receiver.requests.map((q) => q.url).sort();
    assert.deepEqual(paths, ['/hook', '/slack'], 'each notifier delivered exactly once');
    const key = receiver.requests.find((q) => q.url === '/hook')?.headers['idempotency-key'];
    assert.equal(key, idempotencyKey(oomAlert(), []));
  } finally {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await receiver?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('dispatcher: a disk that fails the outbox write costs durability, not the alert: kept in memory, delivered, counted', async () => {
  await withDispatcher(
    'diskfail',
    () => Receiver.start(),
    (r) => hookYaml(r.url),
    async ({ server: r, dispatcher: d, dir, log }) => {
      const box = path.join(dir, 'state', 'outbox', 'hook');
      fs.rmSync(box, { recursive: true });
      fs.writeFileSync(box, 'not a directory');
      assert.equal(await d.dispatch('hook', { alert: oomAlert(), args: [] }), 'queued');
      await retryUntil('the delivery', 5000, () => r.requests[0]);
      const s = await retryUntil('the count', 2000, () => d.stats().find((x) => x.name === 'hook' && x.delivered === 1));
      assert.equal(s.notPersisted, 1);
      assert.ok(log.lines.some((l) => l.level === 'error' && /kept in memory/.test(l.msg)));
    },
  );
});

test('dispatcher: an outbox left by a notifier removed from the config is reported; durable: false touches no disk', async () => {
  await withTempDir('orphan', async (dir) => {
    const withHook = configFrom(hookYaml('http://127.0.0.1:9/'), dir);
    const first = await Dispatcher.open(withHook, { log: memoryLogger(), backoff: { baseMs: 60_000, capMs: 60_000 } });
    await first.dispatch('hook', { alert: oomAlert(), args: [] });
    await first.close();
    const log = memoryLogger();
    const second = await Dispatcher.open(configFrom('state_dir: ./state\n', dir), { log });
    await second.close();
    assert.ok(log.lines.some((l) => l.level === 'warn' && l.fields.notifier === 'hook' && l.fields.pending === 1));

    const memoryDir = path.join(dir, 'elsewhere');
    const volatile = await Dispatcher.open(configFrom(hookYaml('http://127.0.0.1:9/').replace('./state', './elsewhere'), dir), {
      log: memoryLogger(),
      durable: false,
      backoff: { baseMs: 60_000, capMs: 60_000 },
    });
    assert.equal(await volatile.dispatch('hook', { alert: oomAlert(), args: [] }), 'queued');
    await volatile.close();
    assert.equal(fs.existsSync(memoryDir), false);
  });
});
