/**
 * The server answers anywhere in any text: completion and hover at every
 * offset of real rule files, and a check of every prefix of them (a file as
 * it is being typed), never throw. An exception there would kill the
 * editor's language features for the session.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { completionsAt } from '../../src/lsp/completion';
import { cursorContext } from '../../src/lsp/cursor_context';
import { hoverAt } from '../../src/lsp/hover';
import { definitionAt, referencesAt } from '../../src/lsp/navigation';
import { LineTable } from '../../src/lsp/positions';
import { Workspace } from '../../src/lsp/workspace';
import { RULES_DIR, ruleFilesIn, TEST_DIR } from '../dsl/helpers';

const FILES = [...ruleFilesIn(path.join(TEST_DIR, 'corpus')), ...ruleFilesIn(RULES_DIR)];

test('completion, hover, definition and references answer at every offset of every corpus and rules/ file', () => {
  const workspace = new Workspace();
  let answered = 0;
  for (const file of FILES) {
    const text = fs.readFileSync(file, 'utf8');
    const set = workspace.edit(file, text);
    set.checker.check();
    const lines = new LineTable(text);
    for (let offset = 0; offset <= text.length; offset++) {
      completionsAt(lines, offset, set);
      hoverAt(file, lines, offset, set, workspace);
      definitionAt(file, offset, set, workspace, (f) => f);
      referencesAt(file, offset, set, workspace, (f) => f, true);
      answered++;
    }
  }
  assert.ok(answered > 5_000, `${answered} positions`);
});

test('every prefix of a file, as typed, checks and completes without throwing', () => {
  const workspace = new Workspace();
  const file = FILES.find((f) => f.endsWith('features.rules')) ?? '';
  const text = fs.readFileSync(file, 'utf8');
  for (let end = 0; end <= text.length; end += 3) {
    const typed = text.slice(0, end);
    const set = workspace.edit(`/typing/${path.basename(file)}`, typed);
    const result = set.checker.check();
    assert.ok(Array.isArray(result.diagnostics));
    completionsAt(new LineTable(typed), typed.length, set);
  }
});

test('positions and offsets convert both ways on CRLF lines and astral characters', () => {
  const lines = new LineTable('a\r\n😀b\nc');
  assert.deepEqual(lines.position(5), { line: 1, character: 2 }, 'b is after two UTF-16 units');
  assert.equal(lines.offset({ line: 1, character: 2 }), 5);
  assert.equal(lines.offset({ line: 9, character: 0 }), 8, 'past the last line: the end');
  assert.equal(lines.offset({ line: 0, character: 40 }), 1, 'past a line end: that line end, before the CR');
  assert.equal(lines.offset({ line: 2, character: 40 }), 8, 'the last line ends at the end of the text');
  assert.equal(lines.offset({ line: -1, character: -5 }), 0, 'negative numbers from a client are the start');
  const cr = new LineTable('a\rbc\r\nd');
  assert.deepEqual(cr.position(3), { line: 1, character: 1 }, 'a lone CR ends a line');
  assert.deepEqual(cr.position(6), { line: 2, character: 0 });
  assert.equal(cr.offset({ line: 1, character: 9 }), 4);
});

test('the cursor context knows strings, escapes and comments, and which event is in scope', () => {
  const at = (text: string): ReturnType<typeof cursorContext> => cursorContext(text, text.length);
  assert.equal(at('when oom.victim and comm == "a\\"').expecting, 'nothing', 'inside a string after an escaped quote');
  assert.equal(at('when oom.victim and comm == "a\\\\" and ').expecting, 'condition', 'after a string ending in an escaped backslash');
  assert.equal(at('when oom.victim # and ').expecting, 'nothing', 'inside a comment');
  assert.equal(at('when oom.victim and pid > 1 #\n  and ').event, 'oom.victim');
  assert.equal(at('when process.newtask followed by process.exit and ').event, 'process.exit');
  assert.equal(at('when ').expecting, 'event');
  assert.equal(at('when count(').expecting, 'event');
  assert.equal(at('rule "x" {\n  when oom.victim\n  ').expecting, 'condition', 'a condition may go on, or a clause start');
  assert.equal(at('rule "x" {\n  when oom.victim\n  then stdout\n}\n').expecting, 'item');
  assert.equal(at('rule "x" {\n  when oom.victim\n  severity ').expecting, 'severity');
  assert.equal(at('when oom.victim then stdout\n').expecting, 'item', 'a one-line rule ends at its line');
});
