/**
 * What a previous run (or a person, or a disk) can leave in an outbox, and
 * that must never block delivery: an entry that parses but holds an invalid
 * value, a FIFO or a symbolic link in place of an entry, an outbox path that
 * is a file, a lock that is a FIFO, and the `.tmp` files of a write that a
 * SIGKILL interrupted. A real webhook receiver on loopback counts what
 * arrives.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { Dispatcher } from '../../src/notifiers/dispatcher';
import { Outbox, idempotencyKey } from '../../src/notifiers/outbox';
import { retryUntil } from '../support/bounded';
import { FAST_BACKOFF, Receiver, configFrom, killUnlessDoneWithin, memoryLogger, oomAlert, tempDir } from './support';

const SETTINGS = { maxEntries: 1000, maxAgeMs: 24 * 3_600_000 };

interface Seeded {
  readonly dir: string;
  /** the webhook notifier's outbox directory */
  readonly box: string;
  readonly receiver: Receiver;
  readonly dispatcher: Dispatcher;
  readonly log: ReturnType<typeof memoryLogger>;
}

/**
 * Lets `seed` fill the outbox of notifier `hook` as a previous run would
 * have left it, then opens a Dispatcher on it with a real receiver.
 */
async function withSeeded(seed: (box: string) => Promise<void> | void, body: (s: Seeded) => Promise<void>, notifier = 'webhook'): Promise<void> {
  const dir = tempDir('badstate');
  const box = path.join(dir, 'state', 'outbox', 'hook');
  const log = memoryLogger();
  const receiver = await Receiver.start();
  let dispatcher: Dispatcher | undefined;
  try {
    await seed(box);
    const yaml =
      notifier === 'slack'
        ? `state_dir: ./state\nnotifiers:\n  hook: { type: slack, url: "${receiver.url}", min_interval: 10ms }\n`
        : `state_dir: ./state\nnotifiers:\n  hook: { type: webhook, url: "${receiver.url}", secret: 0123456789abcdef }\n`;
    dispatcher = await Dispatcher.open(configFrom(yaml, dir), { log, backoff: FAST_BACKOFF });
    await body({ dir, box, receiver, dispatcher, log });
  } finally {
    await dispatcher?.close();
    await receiver.close();
    unblockFifos(dir);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Entries for alerts f0, f1, ... written as the outbox writes them; returns their file names in order. */
async function seedEntries(box: string, n: number): Promise<string[]> {
  const outbox = await Outbox.open(box, SETTINGS);
  for (let i = 0; i < n; i++) {
    const alert = oomAlert({ fingerprint: `f${i}` });
    await outbox.add({ key: idempotencyKey(alert, []), notifier: 'hook', args: [], alert, enqueuedAt: Date.now() + i });
  }
  return entryFiles(box);
}

const entryFiles = (box: string): string[] =>
  fs
    .readdirSync(box)
    .filter((n) => n.endsWith('.json'))
    .sort();

const fingerprints = (r: Receiver): string[] => r.requests.map((q) => (JSON.parse(q.body) as { fingerprint: string }).fingerprint);

/** A reader stuck opening a FIFO (the bug this guards against) is let go, so a failing test still ends. */
function unblockFifos(dir: string): void {
  const walk = (d: string): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.isFIFO()) {
        try {
          fs.closeSync(fs.openSync(full, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK));
        } catch {
          // no reader waiting: nothing to let go
        }
      }
    }
  };
  if (fs.existsSync(dir)) walk(dir);
}

test('an entry that parses but holds "startsAt": "soon" is set aside at open; the 8 behind it and a new alert are delivered', { timeout: 20_000 }, async () => {
  let poison = '';
  await withSeeded(
    async (box) => {
      const files = await seedEntries(box, 9);
      poison = files[0] as string;
      const entry = JSON.parse(fs.readFileSync(path.join(box, poison), 'utf8')) as { alert: Record<string, unknown> };
      entry.alert.startsAt = 'soon';
      fs.writeFileSync(path.join(box, poison), JSON.stringify(entry));
    },
    async ({ box, receiver, dispatcher, log }) => {
      await retryUntil('the 8 good entries delivered', 10_000, () => (receiver.requests.length >= 8 ? true : undefined));
      assert.deepEqual(fingerprints(receiver).sort(), ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8']);
      assert.ok(fs.existsSync(path.join(box, `${poison}.corrupt`)), 'the poison kept for a person to look at');
      const lines = log.lines.filter((l) => /set aside as \*\.corrupt/.test(l.msg));
      assert.equal(lines.length, 1, 'one log line');
      assert.equal(lines[0]?.level, 'error');
      assert.match(String((lines[0]?.fields.files as string[])[0]), /\.json\.corrupt: \/alert\/startsAt: must be number$/);
      assert.equal(dispatcher.stats().find((s) => s.name === 'hook')?.dropped.corrupt, 1);

      assert.equal(await dispatcher.dispatch('hook', { alert: oomAlert({ fingerprint: 'new' }), args: [] }), 'queued');
      await retryUntil('the new alert delivered', 5_000, () => (fingerprints(receiver).includes('new') ? true : undefined));
      assert.deepEqual(entryFiles(box), [], 'nothing left pending');
    },
  );
});

test('a poison entry is not read again after a restart: it stays set aside', async () => {
  const dir = tempDir('poison-restart');
  try {
    const box = path.join(dir, 'hook');
    const [first] = await seedEntries(box, 2);
    fs.writeFileSync(path.join(box, first as string), '{"key":"0123","notifier":"hook","args":[],"enqueuedAt":1,"alert":{"startsAt":"soon"}}');
    const once = await Outbox.open(box, SETTINGS);
    assert.equal(once.opening.setAside.length, 1);
    assert.deepEqual(
      once.pending().map((d) => d.alert.fingerprint),
      ['f1'],
    );
    const twice = await Outbox.open(box, SETTINGS);
    assert.equal(twice.opening.setAside.length, 0, 'the .corrupt file is not an entry');
    assert.equal(twice.size, 1);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a delivery whose rendering throws is set aside as corrupt and counted; the others go on', { timeout: 20_000 }, async () => {
  await withSeeded(
    () => undefined,
    async ({ box, receiver, dispatcher, log }) => {
      // NaN passes no schema on read, but nothing checks what the engine hands over: the render throws (Invalid time value)
      await dispatcher.dispatch('hook', { alert: oomAlert({ fingerprint: 'bad', startsAt: Number.NaN, at: 1 }), args: [] });
      await dispatcher.dispatch('hook', { alert: oomAlert({ fingerprint: 'good' }), args: [] });
      await retryUntil('the good one delivered', 5_000, () => (fingerprints(receiver).includes('good') ? true : undefined));
      assert.deepEqual(fingerprints(receiver), ['good']);
      const s = dispatcher.stats().find((x) => x.name === 'hook');
      assert.equal(s?.dropped.corrupt, 1);
      assert.equal(s?.pending, 0);
      const line = log.lines.find((l) => l.msg === 'notification set aside as *.corrupt: it cannot be rendered');
      assert.match(String(line?.fields.err), /Invalid time value/);
      assert.equal(fs.readdirSync(box).filter((n) => n.endsWith('.json.corrupt')).length, 1);
    },
  );
});

test('slack: one delivery that cannot be rendered does not sink the burst it would have shared a message with', { timeout: 20_000 }, async () => {
  await withSeeded(
    () => undefined,
    async ({ receiver, dispatcher }) => {
      const sends = ['a', 'bad', 'b', 'c'].map((f) =>
        dispatcher.dispatch('hook', { alert: oomAlert({ fingerprint: f, ...(f === 'bad' ? { startsAt: Number.NaN, at: 2 } : {}) }), args: [] }),
      );
      await Promise.all(sends);
      await retryUntil('the three good ones delivered', 5_000, () =>
        dispatcher.stats().find((s) => s.name === 'hook' && s.delivered === 3) ? true : undefined,
      );
      const text = receiver.requests.map((r) => r.body).join('\n');
      assert.doesNotMatch(text, /Invalid time value/);
      assert.equal(dispatcher.stats().find((s) => s.name === 'hook')?.dropped.corrupt, 1);
    },
    'slack',
  );
});

test('a FIFO in place of an outbox entry or a .tmp is never opened for a blocking read: start-up completes', { timeout: 15_000 }, async (t) => {
  t.after(killUnlessDoneWithin(30_000));
  let good = '';
  await withSeeded(
    async (box) => {
      good = (await seedEntries(box, 1))[0] ?? '';
      execFileSync('mkfifo', [path.join(box, '00000000000500-000000-fifo00000000.json')]);
      execFileSync('mkfifo', [path.join(box, '.00000000000600-000000-fifo00000000.tmp')]);
      fs.symlinkSync('/etc/passwd', path.join(box, '00000000000700-000000-link00000000.json'));
    },
    async ({ box, receiver, log }) => {
      await retryUntil('the good entry delivered', 5_000, () => receiver.requests[0]);
      assert.deepEqual(fingerprints(receiver), ['f0']);
      assert.ok(good);
      const aside = ['00000000000500-000000-fifo00000000.json.corrupt', '00000000000700-000000-link00000000.json.corrupt'];
      const names = await retryUntil('the delivered entry removed', 2_000, () => {
        const now = fs.readdirSync(box).sort();
        return now.join() === aside.join() ? now : undefined;
      });
      assert.ok(fs.statSync(path.join(box, names[0] as string)).isFIFO());
      const files = log.lines.find((l) => /set aside as \*\.corrupt/.test(l.msg))?.fields.files as string[];
      assert.match(files[0] ?? '', /not a regular file \(a FIFO\)$/);
      assert.match(files[1] ?? '', /a symbolic link$/);
    },
  );
});

test('an outbox directory replaced by a file is set aside, a new one made, and alerts are kept on disk again', { timeout: 15_000 }, async () => {
  await withSeeded(
    (box) => {
      fs.mkdirSync(path.dirname(box), { recursive: true });
      fs.writeFileSync(box, 'not a directory');
    },
    async ({ box, receiver, dispatcher, log }) => {
      const line = log.lines.find((l) => l.msg === 'the outbox path was not a directory: set aside, a new outbox made');
      assert.equal(line?.level, 'error');
      assert.equal(fs.readFileSync(`${box}.corrupt`, 'utf8'), 'not a directory');
      assert.ok(fs.statSync(box).isDirectory());
      await dispatcher.dispatch('hook', { alert: oomAlert(), args: [] });
      await retryUntil('the delivery', 5_000, () => receiver.requests[0]);
      assert.equal(dispatcher.stats().find((s) => s.name === 'hook')?.notPersisted, 0, 'written to the new outbox');
    },
  );
});

test(
  'a complete .tmp entry (killed before its rename) is recovered and delivered with its key; an empty and a half one are removed',
  { timeout: 15_000 },
  async () => {
    let key = '';
    await withSeeded(
      async (box) => {
        const [file] = await seedEntries(box, 1);
        key = (JSON.parse(fs.readFileSync(path.join(box, file as string), 'utf8')) as { key: string }).key;
        fs.renameSync(path.join(box, file as string), path.join(box, `.${(file as string).slice(0, -'.json'.length)}.tmp`));
        fs.writeFileSync(path.join(box, '.00000000002000-000001-empty0000000.tmp'), '');
        fs.writeFileSync(path.join(box, '.00000000003000-000002-half00000000.tmp'), '{"key":"abc","alert":{"finger');
      },
      async ({ box, receiver, log }) => {
        const req = await retryUntil('the recovered delivery', 5_000, () => receiver.requests[0]);
        assert.equal(req.headers['idempotency-key'], key);
        assert.equal(req.headers['idempotency-key'], idempotencyKey(oomAlert({ fingerprint: 'f0' }), []));
        assert.ok(log.lines.some((l) => l.level === 'info' && l.fields.entries === 1 && /recovered/.test(l.msg)));
        assert.ok(!log.lines.some((l) => /corrupt/.test(l.msg)), 'a write cut short is not corruption: it was never acknowledged');
        // empty: the entry went once it was delivered, so it cannot be delivered again
        await retryUntil('the outbox empty', 2_000, () => (fs.readdirSync(box).length === 0 ? true : undefined));
        assert.equal(receiver.requests.length, 1);
      },
    );
  },
);

test('dispatch() reports the time from the alert raised to its entry fsynced, per delivery', async () => {
  await withSeeded(
    () => undefined,
    async ({ dispatcher }) => {
      for (let i = 0; i < 20; i++) await dispatcher.dispatch('hook', { alert: oomAlert({ fingerprint: `p${i}` }), args: [] });
      const h = dispatcher.stats().find((s) => s.name === 'hook')?.persistSeconds;
      assert.equal(h?.count, 20);
      assert.ok((h?.sum ?? 0) > 0);
      assert.deepEqual(h?.buckets.at(-1), [Infinity, 20]);
      const stdout = dispatcher.stats().find((s) => s.name === 'stdout')?.persistSeconds;
      assert.equal(stdout?.count, 0, 'an in-memory outbox fsyncs nothing');
    },
  );
});
