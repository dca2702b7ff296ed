/** What the checker hands the engine, rule kind by rule kind. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { checkRuleSources, type CheckedRule, type CheckOptions, type Condition, renderTemplate } from '../../src/dsl';

function check(text: string, options: CheckOptions = {}, file = 'prod.rules'): CheckedRule[] {
  const result = checkRuleSources([{ file, text }], options);
  assert.deepEqual(
    result.diagnostics.map((d) => d.message),
    [],
  );
  return [...result.rules];
}

function messages(text: string, options: CheckOptions = {}): string[] {
  return checkRuleSources([{ file: 'x.rules', text }], options).diagnostics.map((d) => `${d.range.start.line}:${d.range.start.column} ${d.message}`);
}

function only<K extends CheckedRule['kind']>(rules: CheckedRule[], kind: K): Extract<CheckedRule, { kind: K }> {
  assert.equal(rules.length, 1);
  const r = rules[0]!;
  assert.equal(r.kind, kind);
  return r as Extract<CheckedRule, { kind: K }>;
}

describe('checkRuleSources', () => {
  it('accepts the one-line rule from the issue, with a stable generated name and defaults', () => {
    const r = only(check('when oom.victim and cgroup matches "/prod/*" then slack'), 'event');
    assert.equal(r.name, 'prod/oom.victim');
    assert.equal(r.generated, true);
    assert.equal(r.severity, 'warning');
    assert.equal(r.cooldownMs, 5 * 60_000);
    assert.deepEqual(
      r.actions.map((a) => [a.notifier, a.args]),
      [['slack', []]],
    );
    assert.equal(r.selection.event, 'oom.victim');
    const c = r.selection.condition;
    assert.ok(c.kind === 'matches');
    assert.deepEqual(c.globs, [{ pattern: '/prod/*', kind: 'path' }]);
  });

  it('refuses a template in a label value, located, instead of sending it as written', () => {
    const text = 'rule "r" {\n  when oom.victim\n  labels { team = "db", cgroup_label = "{cgroup}" }\n  then stdout\n}';
    assert.deepEqual(messages(text), [
      `3:40 label values are fixed strings: "{cgroup}" would be sent as written; an event value becomes a label as a 'by' field`,
    ]);
  });

  it('names one-liners by file and event, numbering repeats, independent of line numbers', () => {
    const rules = check(
      '# moved down a line\nwhen oom.victim then stdout\nwhen process.hang then stdout\nwhen oom.victim and uid == 0 then stdout',
      {},
      'rules/host.rules',
    );
    assert.deepEqual(
      rules.map((r) => r.name),
      ['host/oom.victim', 'host/process.hang', 'host/oom.victim#2'],
    );
  });

  it('converts sizes to bytes and durations to milliseconds', () => {
    const r = only(check('rule "big" { when oom.victim and anon_rss > 1.5GiB cooldown 90s then stdout }'), 'event');
    const c = r.selection.condition;
    assert.ok(c.kind === 'compare' && c.value.type === 'number');
    assert.equal(c.value.value, 1.5 * 2 ** 30);
    assert.equal(r.cooldownMs, 90_000);
  });

  it('keeps let references explicit and except clauses separate', () => {
    const r = only(
      check('let prod = cgroup matches "/prod/**"\nwhen oom.victim and prod except comm == "a" except { uid == 0 pid == 1 } then stdout'),
      'event',
    );
    const c = r.selection.condition;
    assert.ok(c.kind === 'let');
    assert.equal(c.name, 'prod');
    assert.equal(c.condition.kind, 'matches');
    assert.deepEqual(
      r.selection.except.map((e: Condition) => e.kind),
      ['compare', 'compare', 'compare'],
    );
  });

  it('shares lets and lists across files of one run', () => {
    const result = checkRuleSources([
      { file: 'lib.rules', text: 'let jobs = ["backup", "pg_dump"]' },
      { file: 'oom.rules', text: 'when oom.victim and comm in jobs then stdout' },
    ]);
    assert.deepEqual(result.diagnostics, []);
    const c = (result.rules[0] as Extract<CheckedRule, { kind: 'event' }>).selection.condition;
    assert.ok(c.kind === 'in');
    assert.deepEqual(c.values, [
      { type: 'string', value: 'backup' },
      { type: 'string', value: 'pg_dump' },
    ]);
  });

  it('resolves enum symbols to the kernel value', () => {
    const r = only(check('when migrate.pages and reason == numa_misplaced then stdout'), 'event');
    const c = r.selection.condition;
    assert.ok(c.kind === 'compare');
    assert.deepEqual(c.value, { type: 'enum', value: 'numa_misplaced', index: 5 });
  });

  it('gives window rules their aggregate, threshold, window, groups, for and keep firing for', () => {
    const r = only(
      check('rule "storm" { when count(process.fork and comm != "make") > 500 within 10s by cgroup for 30s keep firing for 2m then stdout }'),
      'window',
    );
    assert.deepEqual(r.aggregate, { fn: 'count' });
    assert.equal(r.op, '>');
    assert.equal(r.threshold, 500);
    assert.equal(r.windowMs, 10_000);
    assert.deepEqual(r.groupBy, [{ name: 'cgroup', type: 'path' }]);
    assert.equal(r.forMs, 30_000);
    assert.equal(r.keepFiringForMs, 120_000);
    assert.equal(r.selection.condition.kind, 'compare');
  });

  it('types sum and max thresholds by the field unit', () => {
    const r = only(check('when max(process.exit_mmap.rss) > 8GiB within 1m then stdout'), 'window');
    assert.deepEqual(r.aggregate, { fn: 'max', field: { name: 'rss', type: 'number', unit: 'bytes' } });
    assert.equal(r.threshold, 8 * 2 ** 30);
  });

  it('gives absence rules both events, the matching fields and the deadline', () => {
    const r = only(check('when cgroup.freeze and level > 1 not followed by cgroup.unfreeze within 5m by cgroup then stdout'), 'absence');
    assert.equal(r.first.event, 'cgroup.freeze');
    assert.equal(r.first.condition.kind, 'compare');
    assert.equal(r.second.event, 'cgroup.unfreeze');
    assert.deepEqual(r.second.condition, { kind: 'true' });
    assert.deepEqual(
      r.match.map((f) => f.name),
      ['cgroup'],
    );
    assert.equal(r.withinMs, 300_000);
  });

  it('gives sequence rules the second event for the summary', () => {
    const r = only(
      check('rule "k" { when process.newtask followed by process.exit and signal == 9 within 2s by pid summary "{comm} got {signal}" then stdout }'),
      'sequence',
    );
    assert.deepEqual(r.summary.fields, ['comm', 'signal']);
  });

  it('parses summary templates into parts the engine renders', () => {
    const r = only(check('rule "s" { when oom.victim summary "{comm} ({pid}) in {cgroup}, {count} so far {{literal}}" then stdout }'), 'event');
    assert.deepEqual(r.summary.fields, ['comm', 'pid', 'cgroup']);
    assert.equal(renderTemplate(r.summary, { comm: 'java', pid: 7, cgroup: '/prod/api' }, { count: 3 }), 'java (7) in /prod/api, 3 so far {literal}');
    assert.equal(renderTemplate(r.summary, { comm: 'java' }), 'java (?) in ?, ? so far {literal}');
  });

  it('renders sizes and durations in their unit, and the plain number with :raw', () => {
    const r = only(check('rule "s" { when oom.victim summary "anon {anon_rss}, {anon_rss:raw} bytes, pid {pid}" then stdout }'), 'event');
    assert.equal(renderTemplate(r.summary, { anon_rss: 33_423_360, pid: 7 }), 'anon 31.9 MiB, 33423360 bytes, pid 7');
    const w = only(check('rule "w" { when max(oom.victim.anon_rss) > 1GiB within 1m summary "peak {value}" then stdout }'), 'window');
    assert.equal(renderTemplate(w.summary, {}, { value: 2 * 1024 ** 3 }), 'peak 2.00 GiB');
    assert.deepEqual(messages('rule "s" { when oom.victim summary "{anon_rss:kib}" then stdout }'), [
      "1:37 '{anon_rss:kib}': the only format is ':raw' (the plain number)",
    ]);
  });

  it('fills a default summary that names the trigger and its identity fields', () => {
    const r = only(check('when count(process.fork) > 5 within 10s by cgroup then stdout'), 'window');
    assert.equal(r.summary.text, 'count(process.fork) = {value} in 10s for cgroup {cgroup}');
  });

  it('knows notifiers only when given a set, and stdout always', () => {
    assert.deepEqual(messages('when oom.victim then slak, stdout', { notifiers: new Set(['slack']) }), [
      "1:22 unknown notifier 'slak' (did you mean 'slack'?); the config defines: slack, stdout",
    ]);
    assert.deepEqual(messages('when oom.victim then anything("x")'), []);
  });

  it('passes each action to the config check for its arguments', () => {
    const checkAction = (n: string, args: readonly string[]): string | undefined =>
      args[0]?.startsWith('#') ? undefined : `'${args[0]}' is not a Slack channel`;
    assert.deepEqual(messages('when oom.victim then slack("oncall")', { checkAction }), ["1:22 'oncall' is not a Slack channel"]);
  });

  it('reports duplicate rule names with where the first one is', () => {
    assert.deepEqual(messages('rule "a" { when oom.victim then stdout }\nrule "a" { when process.hang then stdout }'), [
      "2:6 rule 'a' is already defined at x.rules:1",
    ]);
  });

  it('reports every error of a run, not just the first', () => {
    assert.equal(messages('when oom.victm then stdout\nwhen oom.victim and pidd == 1 then stdout\nwhen process.hang and comm = "x" then stdout').length, 3);
  });

  it('reports one error per mistake, not a cascade', () => {
    assert.deepEqual(messages('when oom.victim and (pidd == 1 or pidd == 2) then stdout').length, 2);
    assert.deepEqual(messages('when oom.victim and not not pidd == 1 then stdout').length, 1);
  });

  it('rejects a rule without then or when, or with a clause twice', () => {
    assert.deepEqual(messages('rule "a" { when oom.victim }'), ["1:1 rule has no 'then': name a notifier ('then stdout' always works)"]);
    assert.deepEqual(messages('rule "a" { then stdout }'), ["1:1 rule has no 'when'"]);
    assert.deepEqual(messages('rule "a" { when oom.victim severity info severity critical then stdout }'), ["1:42 a second 'severity' in one rule"]);
  });

  it('rejects a let bomb quickly instead of expanding it', () => {
    let text = 'let l0 = pid == 1\n';
    for (let i = 1; i <= 40; i++) text += `let l${i} = l${i - 1} or l${i - 1}\n`;
    text += 'when oom.victim and l40 then stdout\n';
    const started = Date.now();
    const m = messages(text);
    assert.ok(Date.now() - started < 2000);
    assert.ok(
      m.some((x) => x.includes('more than 10000 parts')),
      m.join('\n'),
    );
  });

  it('answers garbage, empty and deeply nested input with one clear message', () => {
    assert.deepEqual(messages('\u0000\u0001\u0002'), ['1:1 this is not a text file (NUL byte); rule files are UTF-8 text']);
    assert.deepEqual(
      checkRuleSources([{ file: 'e.rules', text: '' }]).diagnostics.map((d) => [d.severity, d.message]),
      [['warning', 'no rules or lets in this file']],
    );
    const deep = `when oom.victim and ${'('.repeat(100_000)}pid == 1${')'.repeat(100_000)} then stdout`;
    assert.deepEqual(messages(deep), ["1:85 nesting deeper than 64 levels; split the condition with 'let'"]);
  });
});

describe('description and runbook', () => {
  it('renders a description like the summary, and keeps the runbook URL', () => {
    const r = only(check('rule "d" { when oom.victim description "{comm} used {anon_rss}" runbook "https://wiki.example.com/oom" then stdout }'), 'event');
    assert.equal(renderTemplate(r.description!, { comm: 'java', anon_rss: 2 * 1024 ** 3 }), 'java used 2.00 GiB');
    assert.equal(r.runbook, 'https://wiki.example.com/oom');
  });

  it('refuses a runbook that is not an http(s) URL, and a misspelt field in a description, located', () => {
    assert.deepEqual(messages('rule "d" {\n  when oom.victim\n  runbook "wiki/oom"\n  then stdout\n}'), [
      '3:11 runbook must be an http(s) URL, such as "https://wiki.example.com/runbooks/oom"',
    ]);
    assert.deepEqual(messages('rule "d" {\n  when oom.victim\n  description "{pidd}"\n  then stdout\n}'), [
      "3:16 unknown field 'pidd' on oom.victim in description (did you mean 'pid'?)",
    ]);
  });
});
