/**
 * alerts.json across restarts: every rule kind's state comes back through
 * the schema; a file with a bad value, or something that is not a file, is
 * set aside with one log line and never blocks the start; saving runs off
 * the event loop, one write at a time, the latest snapshot winning.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { AlertStateFile } from '../../src/agent/alert_state_file';
import { Evaluator } from '../../src/engine/evaluator';
import { planKernel } from '../../src/engine/kernel_plan';
import type { EngineSnapshot } from '../../src/engine/snapshot';
import { ev, rulesFrom } from '../engine/helpers';
import { killUnlessDoneWithin, memoryLogger, withTempDir } from '../notifiers/support';

const RULES = `
rule "oom" { when oom.victim by cgroup summary "{comm} in {cgroup}" cooldown 1m then stdout }
rule "thawed" { when cgroup.freeze followed by cgroup.unfreeze within 10s by cgroup summary "{cgroup}" then stdout }
rule "frozen" { when cgroup.freeze not followed by cgroup.unfreeze within 5s by cgroup summary "{cgroup}" then stdout }
rule "forks" { when count(process.fork) > 5 within 1s by cgroup then stdout }
`;

/** A state with something in every rule kind: a firing alert with a 64-bit field, waiting firsts, an absence, a window. */
function busySnapshot(): EngineSnapshot {
  const e = new Evaluator(planKernel(rulesFrom(RULES), []), { host: 'web-3', useRuleBits: false }, () => undefined);
  e.onEvent(ev('oom.victim', 1000, { comm: 'java', cgroup_id: 12345678901234567890n }));
  e.onEvent(ev('cgroup.freeze', 1000, { cgroup: '/kw/a' }));
  e.onEvent(ev('cgroup.freeze', 1100, { cgroup: '/kw/b' }));
  e.onEvent(ev('cgroup.unfreeze', 1200, { cgroup: '/kw/b' }));
  for (let i = 0; i < 20; i++) e.onEvent(ev('process.fork', 6800 + i * 10));
  e.advanceTo(7000);
  return e.snapshot(7000, 'web-3');
}

async function withStateFile(body: (f: AlertStateFile, dir: string, log: ReturnType<typeof memoryLogger>) => Promise<void>): Promise<void> {
  await withTempDir('alertstate', async (dir) => {
    const log = memoryLogger();
    await body(new AlertStateFile(dir, log), dir, log);
  });
}

test('every rule kind’s state is saved and comes back through the schema, 64-bit values and -Infinity included', async () => {
  await withStateFile(async (f, dir, log) => {
    const saved = busySnapshot();
    for (const kind of ['alerts', 'waiting', 'absent', 'groups']) {
      assert.ok(
        Object.values(saved.rules).some((r) => kind in (r.state as object)),
        `the snapshot has a ${kind} state`,
      );
    }
    assert.match(
      JSON.stringify(saved, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v === -Infinity ? '-Inf' : v)),
      /-Inf/,
    );
    await f.save(saved);
    const back = await new AlertStateFile(dir, log).load();
    assert.deepEqual(back, saved);
    assert.deepEqual(log.lines, []);
  });
});

test('an alerts.json with "startsAt": "soon" is set aside as alerts.json.corrupt with one log line, not restored', async () => {
  await withStateFile(async (f, dir, log) => {
    await f.save(busySnapshot());
    const raw = JSON.parse(fs.readFileSync(f.file, 'utf8')) as { rules: { oom: { state: { alerts: [string, { startsAt: unknown }][] } } } };
    (raw.rules.oom.state.alerts[0] as [string, { startsAt: unknown }])[1].startsAt = 'soon';
    fs.writeFileSync(f.file, JSON.stringify(raw));
    assert.equal(await new AlertStateFile(dir, log).load(), undefined);
    assert.equal(log.lines.length, 1);
    assert.equal(log.lines[0]?.level, 'warn');
    assert.equal(log.lines[0]?.msg, 'the saved alert state is unreadable; starting without it');
    assert.equal(log.lines[0]?.fields.reason, '/rules/oom/state/alerts/0/1/startsAt: must be number');
    assert.equal(log.lines[0]?.fields.moved, `${f.file}.corrupt`);
    assert.ok(!fs.existsSync(f.file));
    assert.ok(fs.existsSync(`${f.file}.corrupt`));
    assert.equal(await new AlertStateFile(dir, memoryLogger()).load(), undefined, 'a first start from then on');
  });
});

test('a wrong value deeper in a rule kind is found too: a window group in an unknown state, a waiting first without a time', async () => {
  for (const [rule, spoil] of [
    ['forks', (s: Record<string, unknown>): void => void ((s.groups as [string, Record<string, unknown>][])[0]![1].state = 'exploded')],
    ['thawed', (s: Record<string, unknown>): void => void delete (s.waiting as [string, Record<string, unknown>][])[0]![1].t],
  ] as const) {
    await withStateFile(async (f, dir, log) => {
      await f.save(busySnapshot());
      const raw = JSON.parse(fs.readFileSync(f.file, 'utf8')) as { rules: Record<string, { state: Record<string, unknown> }> };
      spoil(raw.rules[rule]!.state);
      fs.writeFileSync(f.file, JSON.stringify(raw));
      assert.equal(await new AlertStateFile(dir, log).load(), undefined, rule);
      assert.match(String(log.lines[0]?.fields.reason), new RegExp(`^/rules/${rule}/state/`), rule);
    });
  }
});

test('a FIFO, a directory or a symbolic link in place of alerts.json is set aside at once, never read', { timeout: 10_000 }, async (t) => {
  t.after(killUnlessDoneWithin(30_000));
  for (const make of [
    (file: string) => execFileSync('mkfifo', [file]),
    (file: string) => fs.mkdirSync(file),
    (file: string) => fs.symlinkSync('/etc/hostname', file),
  ]) {
    await withStateFile(async (f, dir, log) => {
      make(f.file);
      assert.equal(await f.load(), undefined);
      assert.equal(log.lines.length, 1);
      assert.match(String(log.lines[0]?.fields.reason), /not a regular file|symbolic link/);
      assert.ok(fs.lstatSync(`${f.file}.corrupt`), 'set aside');
      await f.save(busySnapshot());
      assert.ok(await new AlertStateFile(dir, log).load(), 'the next save writes a regular file in its place');
    });
  }
});

test('save runs off the event loop, one write at a time: the latest snapshot wins and awaiting it means it is on disk', async () => {
  await withStateFile(async (f) => {
    // the module itself, not a namespace copy: alert_state_file.ts must see the spy
    const fsp = fs.promises as { writeFile: typeof fs.promises.writeFile };
    const writes: unknown[] = [];
    const original = fsp.writeFile;
    fsp.writeFile = (async (...args: Parameters<typeof fsp.writeFile>) => {
      writes.push(args[0]);
      return original(...args);
    }) as typeof fsp.writeFile;
    try {
      const base = busySnapshot();
      const first = f.save({ ...base, savedAt: 1 });
      assert.ok(!fs.existsSync(f.file), 'save returned before writing anything');
      void f.save({ ...base, savedAt: 2, host: 'second' });
      const last = f.save({ ...base, savedAt: 3, host: 'third' });
      await last;
      await first;
      assert.equal(writes.length, 2, 'the first, then only the latest of those saved while it was written');
      assert.equal((JSON.parse(fs.readFileSync(f.file, 'utf8')) as { host: string }).host, 'third');
      await f.save({ ...base, savedAt: 4, host: 'third' });
      assert.equal(writes.length, 2, 'an unchanged state is not written again');
    } finally {
      fsp.writeFile = original;
    }
  });
});

test('a save interrupted before its rename leaves the old state; its .tmp, even a FIFO, does not block the next save', { timeout: 10_000 }, async (t) => {
  t.after(killUnlessDoneWithin(30_000));
  await withStateFile(async (f, dir) => {
    const old = { ...busySnapshot(), host: 'old' };
    await f.save(old);
    execFileSync('mkfifo', [path.join(dir, 'alerts.json.tmp')]);
    assert.equal((await new AlertStateFile(dir, memoryLogger()).load())?.host, 'old');
    await f.save({ ...old, host: 'new' });
    assert.equal((await new AlertStateFile(dir, memoryLogger()).load())?.host, 'new');
    assert.deepEqual(fs.readdirSync(dir), ['alerts.json']);
  });
});
