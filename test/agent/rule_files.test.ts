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
import { retryUntil, sleep } from '../support/bounded';
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

async function withWatcher(roots: readonly string[], body: (changes: number[]) => Promise<void>): Promise<void> {
  const changes: number[] = [];
  const errors: Error[] = [];
  const w = new RuleWatcher(roots, { quietMs: 200, maxWaitMs: 1_000, onChange: () => changes.push(Date.now()), onError: (e) => errors.push(e) });
  try {
    await body(changes);
    assert.deepEqual(errors, []);
  } finally {
    w.close();
  }
}

test('rule files written one after another make one change, once the writes are quiet', async () => {
  await withDir(async (dir) => {
    writeFiles(dir, { 'rules/a.rules': 'when oom.victim then stdout\n' });
    await withWatcher([path.join(dir, 'rules')], async (changes) => {
      let last = 0;
      for (let i = 0; i < 6; i++) {
        writeFiles(dir, { [`rules/sub${i % 2}/r${i}.rules`]: 'when oom.victim then stdout\n' });
        last = Date.now();
        await sleep(50);
      }
      await retryUntil('the change', 3_000, () => changes[0]);
      await sleep(500);
      assert.equal(changes.length, 1);
      assert.ok((changes[0] as number) - last >= 190, 'after the writes went quiet');
    });
  });
});

test('writes that never stop still make a change by the maximum wait', async () => {
  await withDir(async (dir) => {
    writeFiles(dir, { 'rules/a.rules': '' });
    await withWatcher([path.join(dir, 'rules')], async (changes) => {
      const started = Date.now();
      while (changes.length === 0 && Date.now() - started < 3_000) {
        fs.appendFileSync(path.join(dir, 'rules/a.rules'), '# more\n');
        await sleep(50);
      }
      assert.equal(changes.length, 1);
      const after = (changes[0] as number) - started;
      assert.ok(after >= 900 && after < 2_000, `changed ${after} ms into the writes`);
    });
  });
});

test('a single rule file replaced by rename (an editor, a ConfigMap) is seen; its neighbours are not', async () => {
  await withDir(async (dir) => {
    writeFiles(dir, { 'prod.rules': 'when oom.victim then stdout\n', 'other.txt': '' });
    await withWatcher([path.join(dir, 'prod.rules')], async (changes) => {
      fs.writeFileSync(path.join(dir, 'other.txt'), 'x');
      await sleep(400);
      assert.equal(changes.length, 0, 'a neighbour changed');
      fs.writeFileSync(path.join(dir, 'prod.rules.tmp'), 'when process.hang then stdout\n');
      fs.renameSync(path.join(dir, 'prod.rules.tmp'), path.join(dir, 'prod.rules'));
      await retryUntil('the change', 3_000, () => changes[0]);
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
