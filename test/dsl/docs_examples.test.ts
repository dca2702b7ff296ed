/** Every rule example in docs/rules.md is a valid rule set: the reference cannot drift from the checker. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { checkRuleSources, formatDiagnostic } from '../../src/dsl';
import { REPO } from './helpers';

/** Indented code blocks that are rules (not usage lines, placeholders or the grammar). */
function examples(markdown: string): string[] {
  const blocks: string[] = [];
  let current: string[] = [];
  for (const line of [...markdown.split('\n'), 'end']) {
    if (line.startsWith('    ') || (line === '' && current.length)) current.push(line.slice(4));
    else if (current.length) {
      blocks.push(current.join('\n').trim());
      current = [];
    }
  }
  // a syntax summary and its examples can share a block: keep the example paragraphs
  const isExample = (p: string): boolean => /^(when|rule|let|#)\b/.test(p) && !/\.\.\.|[A-Z]{4,}|^\s*\^/m.test(p);
  return blocks
    .map((b) =>
      b
        .split(/\n\n+/)
        .map((p) => (p.startsWith('then ') ? `when oom.victim ${p}` : p))
        .filter(isExample)
        .join('\n\n'),
    )
    .filter((b) => b !== '');
}

it('every rule example in docs/rules.md checks clean', () => {
  const text = fs.readFileSync(path.join(REPO, 'docs/rules.md'), 'utf8');
  const found = examples(text);
  assert.ok(found.length >= 8, `only ${found.length} examples found`);
  found.forEach((example, i) => {
    // a fresh rule set per example: examples reuse names on purpose
    const result = checkRuleSources([{ file: `example${i}.rules`, text: example }]);
    const errors = result.diagnostics.map((d) => formatDiagnostic(d, example));
    assert.deepEqual(errors, [], `example:\n${example}`);
  });
});
