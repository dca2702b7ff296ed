/** Rule directories as a ConfigMap volume lays them out: links into a hidden, swapped directory. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { findRuleFiles, RuleTreeTooLarge } from '../../src/dsl/rule_files';

test('a ConfigMap-style directory yields each rule file once, through its link, and no hidden copy', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-cm-'));
  try {
    fs.mkdirSync(path.join(dir, '..2026_11_25_15_00_00.1'));
    fs.writeFileSync(path.join(dir, '..2026_11_25_15_00_00.1', 'oom.rules'), 'when oom.victim then stdout\n');
    fs.symlinkSync('..2026_11_25_15_00_00.1', path.join(dir, '..data'));
    fs.symlinkSync('..data/oom.rules', path.join(dir, 'oom.rules'));
    fs.symlinkSync('..data/gone.rules', path.join(dir, 'gone.rules'));
    fs.writeFileSync(path.join(dir, '.draft.rules'), 'not a rule');
    assert.deepEqual(findRuleFiles([dir]), [path.join(dir, 'oom.rules')]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a walk given a budget of entries stops past it with its own error, and finds everything within it', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-walk-'));
  try {
    fs.mkdirSync(path.join(dir, 'sub'));
    for (const f of ['a.rules', 'b.txt', 'sub/c.rules', 'sub/d.rules']) fs.writeFileSync(path.join(dir, f), '');
    assert.deepEqual(findRuleFiles([dir], { maxEntries: 5 }), [path.join(dir, 'a.rules'), path.join(dir, 'sub', 'c.rules'), path.join(dir, 'sub', 'd.rules')]);
    assert.throws(() => findRuleFiles([dir], { maxEntries: 4 }), RuleTreeTooLarge);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
