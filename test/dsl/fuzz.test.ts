/**
 * Random mutation of valid rules (deleting, duplicating, swapping and
 * replacing tokens and bytes) must never crash or hang the checker or the
 * formatter: every outcome is rules or diagnostics. Seeded, so a failure
 * replays; FUZZ_ITERATIONS raises the count.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { it } from 'node:test';
import { checkRuleSources, formatRuleSource } from '../../src/dsl';
import { RULES_DIR, ruleFilesIn, TEST_DIR, seededRandom } from './helpers';

const ITERATIONS = Number(process.env.FUZZ_ITERATIONS ?? 3000);
const SEEDS = [...ruleFilesIn(RULES_DIR), ...ruleFilesIn(path.join(TEST_DIR, 'corpus'))].map((f) => fs.readFileSync(f, 'utf8'));
const FRAGMENTS = [
  'when',
  'then',
  'rule',
  'let',
  'and',
  'or',
  'not',
  'in',
  'matches',
  'except',
  'within',
  'by',
  'for',
  'keep firing for',
  'followed by',
  'not followed by',
  '(',
  ')',
  '[',
  ']',
  '{',
  '}',
  ',',
  '=',
  '==',
  '<',
  '>=',
  '"',
  '"/prod/**"',
  '"{comm}"',
  '#',
  '\n',
  '0',
  '-1',
  '1e9',
  '99999999999999999999999',
  '64MiB',
  '5m',
  '0x',
  'count(',
  'oom.victim',
  'process.fork.pid',
  'pid',
  'cgroup',
  'reason',
  'compaction',
  '\\',
  '\u0000',
  '\ufffd',
  '\u202e',
  '((((((((',
  'not not not',
  '{{',
  '}}',
];

function mutate(text: string, random: () => number): string {
  let out = text;
  const edits = 1 + Math.floor(random() * 4);
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(random() * (out.length + 1));
    const len = Math.floor(random() * 12);
    const fragment = FRAGMENTS[Math.floor(random() * FRAGMENTS.length)]!;
    switch (Math.floor(random() * 5)) {
      case 0:
        out = out.slice(0, at) + out.slice(at + len);
        break;
      case 1:
        out = out.slice(0, at) + fragment + out.slice(at);
        break;
      case 2:
        out = out.slice(0, at) + fragment + out.slice(at + len);
        break;
      case 3:
        out = out.slice(0, at) + out.slice(at, at + len).repeat(2) + out.slice(at + len);
        break;
      default:
        out = out.slice(0, at) + String.fromCharCode(Math.floor(random() * 256)) + out.slice(at + 1);
    }
  }
  return out;
}

it(`${ITERATIONS} mutated rule files never crash or hang the checker or the formatter`, () => {
  const random = seededRandom(0x6b77);
  let slowest = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    const text = mutate(SEEDS[i % SEEDS.length]!, random);
    const started = performance.now();
    try {
      const result = checkRuleSources([{ file: 'fuzz.rules', text }], { notifiers: new Set(['slack']) });
      for (const d of result.diagnostics) assert.ok(d.message.length > 0 && d.range.start.line >= 1);
      const formatted = formatRuleSource('fuzz.rules', text);
      if (formatted.output !== undefined) {
        // whatever parses must format to something that parses and is stable
        const again = formatRuleSource('fuzz.rules', formatted.output);
        assert.equal(again.output, formatted.output);
      }
    } catch (e) {
      assert.fail(`iteration ${i} threw on input ${JSON.stringify(text)}: ${(e as Error).stack}`);
    }
    slowest = Math.max(slowest, performance.now() - started);
  }
  assert.ok(slowest < 1000, `slowest input took ${slowest.toFixed(0)} ms`);
});
