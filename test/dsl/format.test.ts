/** The formatter's promises, over rules/ and the whole test corpus. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { formatRuleSource, parseRuleFile } from '../../src/dsl';
import { RULES_DIR, ruleFilesIn, TEST_DIR, withoutRanges } from './helpers';

const FILES = [...ruleFilesIn(RULES_DIR), ...ruleFilesIn(path.join(TEST_DIR, 'corpus'))];

function fmt(text: string): string {
  const out = formatRuleSource('t.rules', text).output;
  assert.ok(out !== undefined, 'does not parse');
  return out;
}

describe('fmt', () => {
  for (const file of FILES) {
    const name = path.relative(path.dirname(RULES_DIR), file);
    const text = fs.readFileSync(file, 'utf8');
    it(`is idempotent on ${name}`, () => {
      const once = fmt(text);
      assert.equal(fmt(once), once);
    });
    it(`keeps the AST of ${name}`, () => {
      const before = parseRuleFile('t.rules', text).ast;
      const after = parseRuleFile('t.rules', fmt(text)).ast;
      assert.deepEqual(withoutRanges(after.items), withoutRanges(before.items));
    });
    it(`keeps every comment of ${name}`, () => {
      const before = parseRuleFile('t.rules', text).ast.comments.map((c) => c.text);
      const after = parseRuleFile('t.rules', fmt(text)).ast.comments.map((c) => c.text);
      assert.deepEqual(after, before);
    });
  }

  it('leaves files in rules/ unchanged: they are in the canonical layout', () => {
    for (const file of ruleFilesIn(RULES_DIR)) {
      const text = fs.readFileSync(file, 'utf8');
      assert.equal(fmt(text), text, file);
    }
  });

  it('adds only the parentheses precedence needs', () => {
    assert.equal(
      fmt('when oom.victim and ((pid == 1)) and (uid == 0 or (uid == 1)) then stdout'),
      'when oom.victim and pid == 1 and (uid == 0 or uid == 1) then stdout\n',
    );
    assert.equal(fmt('when oom.victim and not (pid == 1 and uid == 2) then stdout'), 'when oom.victim and not (pid == 1 and uid == 2) then stdout\n');
  });

  it('wraps a top-level or after the event in parentheses, so nobody wonders what `and` binds', () => {
    assert.equal(fmt('when oom.victim and pid == 1 or pid == 2 then stdout'), 'when oom.victim and (pid == 1 or pid == 2) then stdout\n');
  });

  it('re-escapes strings and keeps number literals as written', () => {
    assert.equal(
      fmt('when oom.victim and comm == "a\\"b\\\\" and anon_rss > 1_000MiB then x("\\t")'),
      'when oom.victim and comm == "a\\"b\\\\" and anon_rss > 1_000MiB then x("\\t")\n',
    );
  });

  it('refuses to format a file that does not parse', () => {
    const result = formatRuleSource('t.rules', 'when oom.victim then');
    assert.equal(result.output, undefined);
    assert.equal(result.diagnostics.length, 1);
  });

  it('formats an empty file to an empty file', () => {
    assert.equal(fmt(''), '');
    assert.equal(fmt('\n\n# only a comment\n\n'), '# only a comment\n');
  });
});
