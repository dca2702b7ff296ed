/** Every rule example in docs/rules.md is a valid rule set: the reference cannot drift from the checker. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { checkRuleSources, formatDiagnostic } from '../../src/dsl';
import { docExamples, REPO } from './helpers';

it('every rule example in docs/rules.md checks clean', () => {
  const text = fs.readFileSync(path.join(REPO, 'docs/rules.md'), 'utf8');
  const found = docExamples(text);
  assert.ok(found.length >= 8, `only ${found.length} examples found`);
  found.forEach((example, i) => {
    // a fresh rule set per example: examples reuse names on purpose
    const result = checkRuleSources([{ file: `example${i}.rules`, text: example }]);
    const errors = result.diagnostics.map((d) => formatDiagnostic(d, example));
    assert.deepEqual(errors, [], `example:\n${example}`);
  });
});
