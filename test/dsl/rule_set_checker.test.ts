/**
 * The incremental checker an editor uses gives, after every edit, exactly
 * what checking every file from scratch gives (`rules check`): the same
 * rules, the same diagnostics in the same order, while it checks again only
 * the files an edit reaches.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkRuleSources, RuleSetChecker, type CheckOptions } from '../../src/dsl';

type Step = { set: string; text: string } | { remove: string } | { options: CheckOptions };

const LIB = 'let prod = cgroup matches "/prod/**"\nlet big = anon_rss > 1GiB\nlet batch = ["backup", "pg_dump"]\n';
const OOM = 'rule "oom" { when oom.victim and prod and big except comm in batch then stdout }\n';
const FORK = 'rule "forks" { when count(process.fork) > 100 within 1s by cgroup except comm in batch then stdout }\n';

const STEPS: Step[] = [
  { set: 'lib.rules', text: LIB },
  { set: 'oom.rules', text: OOM },
  { set: 'fork.rules', text: FORK },
  // a let renamed: both users break
  { set: 'lib.rules', text: LIB.replace('let batch', 'let batches') },
  { set: 'lib.rules', text: LIB },
  // a let broken where it is defined: its users fail quietly
  { set: 'lib.rules', text: LIB.replace('anon_rss', 'anon_rs') },
  // a let that uses another, which then changes underneath it
  { set: 'lib.rules', text: `${LIB}let prod_big = prod and big\n` },
  { set: 'oom.rules', text: OOM.replace('prod and big', 'prod_big') },
  { set: 'lib.rules', text: `${LIB.replace('anon_rss > 1GiB', 'child_pid > 1')}let prod_big = prod and big\n` },
  // a syntax error, then a duplicate rule name across files
  { set: 'fork.rules', text: FORK.replace('within', 'withn') },
  { set: 'fork.rules', text: FORK.replace('"forks"', '"oom"') },
  { set: 'fork.rules', text: FORK },
  // notifiers from a config, a file removed and added again, an empty file
  { options: { notifiers: new Set(['oncall']) } },
  { set: 'oom.rules', text: OOM.replace('then stdout', 'then oncal') },
  { remove: 'lib.rules' },
  { set: 'lib.rules', text: LIB },
  { set: 'empty.rules', text: '# nothing yet\n' },
  { options: {} },
  // an error in a rule that points into a let's file moves when lines are added above the let
  { set: 'nums.rules', text: 'let nums = [1, 2]\n' },
  { set: 'use_nums.rules', text: 'when oom.victim and comm in nums then stdout\n' },
  { set: 'nums.rules', text: '\n\n# moved down\nlet nums = [1, 2]\n' },
  // a list used inside a condition let changes underneath it
  { set: 'jobs.rules', text: 'let jobs = ["cron"]\nlet is_job = comm in jobs\n' },
  { set: 'use_jobs.rules', text: 'when oom.victim and is_job then stdout\n' },
  { set: 'jobs.rules', text: 'let jobs = [1]\nlet is_job = comm in jobs\n' },
  // a misspelt list is told of a let added with a close name, and not of one removed
  { set: 'typo.rules', text: 'when oom.victim and comm in cron_job then stdout\n' },
  { set: 'jobs.rules', text: 'let jobs = ["cron"]\nlet is_job = comm in jobs\nlet cron_jobs = ["cron"]\n' },
  { set: 'jobs.rules', text: 'let jobs = ["cron"]\nlet is_job = comm in jobs\n' },
];

test('after every edit the incremental checker equals a check from scratch', () => {
  const checker = new RuleSetChecker();
  const files = new Map<string, string>();
  let options: CheckOptions = {};
  STEPS.forEach((step, i) => {
    if ('set' in step) {
      checker.set(step.set, step.text);
      files.set(step.set, step.text);
    } else if ('remove' in step) {
      checker.remove(step.remove);
      files.delete(step.remove);
    } else {
      options = step.options;
      checker.setOptions(options);
    }
    const incremental = checker.check();
    const scratch = checkRuleSources(
      [...files].map(([file, text]) => ({ file, text })),
      options,
    );
    assert.deepEqual(
      incremental.diagnostics.map((d) => `${d.file}:${d.range.start.offset}: ${d.message}`),
      scratch.diagnostics.map((d) => `${d.file}:${d.range.start.offset}: ${d.message}`),
      `step ${i}: ${JSON.stringify(step, (_, v: unknown) => (v instanceof Set ? [...(v as Set<string>)] : v))}`,
    );
    assert.deepEqual(
      incremental.rules.map((r) => r.name),
      scratch.rules.map((r) => r.name),
      `step ${i}`,
    );
  });
});

test('an edit to a file that defines no let checks that file alone again', () => {
  const checker = new RuleSetChecker();
  checker.set('lib.rules', LIB);
  checker.set('oom.rules', OOM);
  checker.set('fork.rules', FORK);
  const before = checker.check().rules;
  checker.set('fork.rules', FORK.replace('100', '200'));
  const after = checker.check().rules;
  assert.equal(after[0], before[0], 'the oom rule is the same object: not checked again');
  assert.notEqual(after[1], before[1]);
  checker.set('lib.rules', LIB.replace('1GiB', '2GiB'));
  const third = checker.check().rules;
  assert.notEqual(third[0], after[0], 'a let it uses changed: checked again');
  assert.equal(third[1], after[1], 'the fork rule uses batch only, which did not change');
});
