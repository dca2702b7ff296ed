/**
 * Random well-formed rules, generated from the grammar with random
 * parentheses, spacing and comments: formatting must keep the syntax tree
 * (parse(fmt(x)) == parse(x)) and be idempotent. Catches precedence and
 * parenthesis mistakes the corpus does not happen to contain.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { checkRuleSources, formatRuleSource, parseRuleFile } from '../../src/dsl';
import { withoutRanges, seededRandom } from './helpers';

class Gen {
  constructor(private readonly random: () => number) {}

  pick<T>(xs: readonly T[]): T {
    return xs[Math.floor(this.random() * xs.length)]!;
  }

  chance(p: number): boolean {
    return this.random() < p;
  }

  /** whitespace that may hold a comment and line breaks */
  ws(): string {
    if (this.chance(0.08)) return `  # note ${Math.floor(this.random() * 100)}\n   `;
    return this.pick([' ', '  ', '\n  ', '\t']);
  }

  predicate(): string {
    return this.pick([
      'pid == 1',
      'uid != 0',
      'anon_rss > 64MiB',
      'comm in ["a", "b",]',
      'comm matches "java*"',
      'cgroup matches ["/prod/**", "/x"]',
      'oom_score_adj >= -500',
      'comm == "with \\"quotes\\""',
    ]);
  }

  condition(depth: number): string {
    if (depth <= 0 || this.chance(0.3)) return this.chance(0.15) ? `(${this.predicate()})` : this.predicate();
    const kind = this.pick(['and', 'or', 'not', 'paren']);
    if (kind === 'not') return `not${this.ws()}${this.chance(0.5) ? `(${this.condition(depth - 1)})` : this.predicate()}`;
    if (kind === 'paren') return `(${this.ws()}${this.condition(depth - 1)}${this.ws()})`;
    return `${this.condition(depth - 1)}${this.ws()}${kind}${this.ws()}${this.condition(depth - 1)}`;
  }

  rule(i: number): string {
    const cond = this.condition(4);
    switch (Math.floor(this.random() * 3)) {
      case 0:
        return `when oom.victim and ${cond}${this.ws()}then stdout`;
      case 1:
        return `rule "r${i}" {${this.ws()}when oom.victim and ${cond}${this.ws()}except ${this.condition(2)}${this.ws()}then stdout, x("a")${this.ws()}}`;
      default:
        return `when count(oom.victim and ${cond}) > 5 within 1m by cgroup then stdout`;
    }
  }
}

it('formatting random rules keeps their syntax tree and is idempotent', () => {
  const gen = new Gen(seededRandom(42));
  for (let i = 0; i < 1000; i++) {
    const text = `${gen.rule(i)}\n`;
    const before = parseRuleFile('r.rules', text);
    assert.deepEqual(before.diagnostics, [], text);
    const out = formatRuleSource('r.rules', text).output!;
    const after = parseRuleFile('r.rules', out);
    assert.deepEqual(withoutRanges(after.ast.items), withoutRanges(before.ast.items), `${text}\n---\n${out}`);
    assert.deepEqual(
      after.ast.comments.map((c) => c.text),
      before.ast.comments.map((c) => c.text),
      `${text}\n---\n${out}`,
    );
    assert.equal(formatRuleSource('r.rules', out).output, out, out);
    checkRuleSources([{ file: 'r.rules', text }]);
  }
});
