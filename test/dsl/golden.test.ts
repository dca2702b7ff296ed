/**
 * Golden tests: the AST of every corpus file, the formatted output, and the
 * exact diagnostics (message, position, caret) of every error file.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { checkRuleSources, formatDiagnostic, formatRuleSource, parseRuleFile } from '../../src/dsl';
import { golden, ruleFilesIn, TEST_DIR, withCompactRanges } from './helpers';

const rel = (file: string): string => path.relative(TEST_DIR, file);

describe('golden: parse and format', () => {
  for (const file of ruleFilesIn(path.join(TEST_DIR, 'corpus'))) {
    const text = fs.readFileSync(file, 'utf8');
    it(`${rel(file)} parses to the recorded AST, every node with its range`, () => {
      const parsed = parseRuleFile(rel(file), text);
      assert.deepEqual(parsed.diagnostics, []);
      const problem = golden(file.replace(/\.rules$/, '.ast.json'), `${JSON.stringify(withCompactRanges(parsed.ast), null, 1)}\n`);
      assert.equal(problem, undefined, problem);
    });
    it(`${rel(file)} formats to the recorded layout`, () => {
      const out = formatRuleSource(rel(file), text).output;
      assert.ok(out !== undefined);
      const problem = golden(file.replace(/\.rules$/, '.fmt'), out);
      assert.equal(problem, undefined, problem);
    });
    it(`${rel(file)} checks clean`, () => {
      const result = checkRuleSources([{ file: rel(file), text }]);
      assert.deepEqual(
        result.diagnostics.map((d) => formatDiagnostic(d, text)),
        [],
      );
    });
  }
});

describe('golden: error output', () => {
  for (const file of ruleFilesIn(path.join(TEST_DIR, 'errors'))) {
    it(`${rel(file)} reports the recorded errors`, () => {
      const text = fs.readFileSync(file, 'utf8');
      const result = checkRuleSources([{ file: rel(file), text }]);
      const out = result.diagnostics.map((d) => formatDiagnostic(d, text)).join('\n');
      assert.ok(result.diagnostics.length > 0);
      const problem = golden(file.replace(/\.rules$/, '.err'), `${out}\n`);
      assert.equal(problem, undefined, problem);
    });
  }
});
