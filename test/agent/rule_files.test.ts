/**
 * The agent's view of the rules repository: a burst of writes is one
 * reload, a replaced file is seen, and the rule set's hash names its
 * contents wherever the repository is checked out.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { loadRuleSet } from '../../src/agent/rule_set';
import { RuleWatcher } from '../../src/agent/rule_watcher';
import { parseConfig } from '../../src/config/load_config';
import { retryUntil } from '../support/bounded';
import { FakeClock } from '../support/fake_clock';
import { tempDir } from '../notifiers/support';
import { writeFiles } from './support';

async function withDir(body: (dir: string) => Promise<void> | void): Promise<void> {
  const dir = tempDir('rules');
  try {
    await body(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A watcher whose waits run on a FakeClock: the file events are real, time
 * moves only when the test says. `changes` holds the clock's time of each.
 */
async function withWatcher(roots: readonly string[], body: (changes: number[], clock: FakeClock) => Promise<void>): Promise<void> {
  const changes: number[] = [];
  const errors: Error[] = [];
  const clock = new FakeClock();
  const w = new RuleWatcher(roots, { quietMs: 200, maxWaitMs: 1_000, onChange: () => changes.push(clock.now()), onError: (e) => errors.push(e), clock });
  try {
    await body(changes, clock);
    assert.deepEqual(errors, []);
  } finally {
    w.close();
  }
}

/** The watcher saw a change made at the clock's time now: its quiet wait ends 200 ms on. */
async function seen(clock: FakeClock, what: string): Promise<void> {
  const t = clock.now();
  await retryUntil(`${what} seen`, 3_000, () => (clock.pending().includes(t + 200) ? true : undefined));
}

test('rule files written one after another make one change, once the writes are quiet', async () => {
  await withDir(async (dir) => {
    writeFiles(dir, { 'rules/a.rules': 'when oom.victim then stdout\n' });
    await withWatcher([path.join(dir, 'rules')], async (changes, clock) => {
      for (let i = 0; i < 6; i++) {
        if (i > 0) clock.advance(50);
        writeFiles(dir, { [`rules/sub${i % 2}/r${i}.rules`]: 'when oom.victim then stdout\n' });
        await seen(clock, `write ${i}`);
      }
      const last = clock.now();
      clock.advance(199);
      assert.equal(changes.length, 0, 'not while the writes may go on');
      const at = await retryUntil('the change', 3_000, () => (clock.advanceToNext(), changes[0]));
      assert.ok(at >= last + 200, `at ${at} ms, after the writes went quiet at ${last} ms`);
      clock.advance(2_000);
      assert.equal(changes.length, 1, 'one change; the maximum wait made no second');
    });
  });
});

test('writes that never stop still make a change by the maximum wait', async () => {
  await withDir(async (dir) => {
    writeFiles(dir, { 'rules/a.rules': '' });
    await withWatcher([path.join(dir, 'rules')], async (changes, clock) => {
      // a write every 150 ms: never 200 ms quiet
      for (let i = 0; changes.length === 0 && i < 20; i++) {
        fs.appendFileSync(path.join(dir, 'rules/a.rules'), '# more\n');
        await seen(clock, `write ${i}`);
        clock.advance(150);
      }
      assert.deepEqual(changes, [1_000], 'the maximum wait after the first write');
    });
  });
});

test('a single rule file replaced by rename (an editor, a ConfigMap) is seen; its neighbours are not', async () => {
  await withDir(async (dir) => {
    writeFiles(dir, { 'prod.rules': 'when oom.victim then stdout\n', 'other.txt': '' });
    await withWatcher([path.join(dir, 'prod.rules')], async (changes, clock) => {
      // a second watcher of the same directory sees a file written after the neighbour: one inotify
      // descriptor per process reports a directory's events in order, to every watcher of it
      await withWatcher([path.join(dir, 'marker.rules')], async (_marks, markClock) => {
        fs.writeFileSync(path.join(dir, 'other.txt'), 'x');
        fs.writeFileSync(path.join(dir, 'marker.rules'), '');
        await seen(markClock, 'the marker');
      });
      assert.deepEqual(clock.pending(), [], 'a neighbour changed: nothing to reload');
      fs.writeFileSync(path.join(dir, 'prod.rules.tmp'), 'when process.hang then stdout\n');
      fs.renameSync(path.join(dir, 'prod.rules.tmp'), path.join(dir, 'prod.rules'));
      await seen(clock, 'the rename');
      clock.advance(200);
      assert.deepEqual(changes, [200]);
    });
  });
});

test('the rule set hash depends on the files under the configured paths, not on where they are checked out', async () => {
  const files = { 'rules/oom.rules': 'when oom.victim then stdout\n', 'rules/team/hang.rules': 'when process.hang then stdout\n' };
  await withDir(async (a) => {
    await withDir(async (b) => {
      for (const dir of [a, b]) writeFiles(dir, { ...files, 'kernwatch.yaml': 'rules: [rules/]\n' });
      const load = (dir: string) => loadRuleSet(parseConfig(fs.readFileSync(path.join(dir, 'kernwatch.yaml'), 'utf8'), path.join(dir, 'kernwatch.yaml')));
      const ra = load(a);
      const rb = load(b);
      assert.ok(ra.ok && rb.ok);
      assert.equal(ra.ruleSet.hash, rb.ruleSet.hash);
      assert.match(ra.ruleSet.hash, /^[0-9a-f]{16}$/);
      assert.equal(ra.ruleSet.rules.length, 2);

      fs.renameSync(path.join(b, 'rules/team/hang.rules'), path.join(b, 'rules/hang.rules'));
      const moved = load(b);
      assert.ok(moved.ok);
      assert.notEqual(moved.ruleSet.hash, ra.ruleSet.hash, 'a file moved is a different rule set');

      writeFiles(b, { 'rules/hang.rules': 'when process.hang then stdout # edited\n' });
      const edited = load(b);
      assert.ok(edited.ok && edited.ruleSet.hash !== moved.ruleSet.hash);
    });
  });
});

test('a broken rule set is located diagnostics, and notifiers are checked against the config', async () => {
  await withDir((dir) => {
    writeFiles(dir, { 'rules/a.rules': 'when oom.victim then pager\n' });
    const result = loadRuleSet(parseConfig('rules: [rules/]\n', path.join(dir, 'kernwatch.yaml')));
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.problems.length, 1);
    assert.match(result.problems[0] ?? '', new RegExp(`^${path.join(dir, 'rules/a.rules')}:1:22: error: unknown notifier 'pager'`));
    const none = loadRuleSet(parseConfig('{}', path.join(dir, 'kernwatch.yaml')));
    assert.ok(!none.ok);
    assert.match(none.problems[0] ?? '', /rules: name at least one rule file or directory/);
  });
});
