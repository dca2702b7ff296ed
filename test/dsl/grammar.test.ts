import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RuleParser, ruleParser } from '../../src/dsl/parser';
import { ruleLexer } from '../../src/dsl/tokens';

const RULES = path.resolve(__dirname, '..', '..', '..', 'rules');

// Commands build the parser without Chevrotain's grammar checks (start-up
// time); they run here, so a grammar change that makes the language
// ambiguous fails this test.
test("the grammar passes Chevrotain's own checks (ambiguity, left recursion, unreachable alternatives)", () => {
  assert.doesNotThrow(() => new RuleParser({ validate: true }));
});

test("the parser the commands use gives the validated parser's tree for every file in rules/", () => {
  const validated = new RuleParser({ validate: true });
  const files = fs.readdirSync(RULES).filter((f) => f.endsWith('.rules'));
  assert.ok(files.length >= 8);
  for (const f of files) {
    const tokens = ruleLexer.tokenize(fs.readFileSync(path.join(RULES, f), 'utf8')).tokens;
    validated.input = tokens;
    const expected = validated.file();
    ruleParser.input = tokens;
    assert.deepEqual(ruleParser.file(), expected, f);
    assert.deepEqual(ruleParser.errors, [], f);
  }
});
