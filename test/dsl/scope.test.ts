/** Rules moved under a cgroup (`rules test --scope`): paths move, everything else stays, and nothing outside matches. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileSelection } from '../../src/engine/condition';
import { scopeRules, unscopedText } from '../../src/dsl/scope';
import { rulesFrom } from '../engine/helpers';

test('a scoped rule matches inside the scope as the rule matches on the host, and nothing outside it', () => {
  const [rule] = scopeRules(
    rulesFrom(`
      let prod = cgroup matches "/prod/**"
      rule "r" { when oom.victim and prod and not cgroup == "/prod/skip" except comm == "backup" then stdout }
    `),
    '/demo',
  );
  assert.ok(rule && rule.kind === 'event');
  const matches = compileSelection(rule.selection);
  const oom = (cgroup: string, comm = 'java'): boolean => matches('oom.victim', { cgroup, comm, pid: 1 });
  assert.equal(oom('/demo/prod/api'), true);
  assert.equal(oom('/demo/prod'), true);
  assert.equal(oom('/demo/prod/skip'), false, 'an equality moves too');
  assert.equal(oom('/demo/prod/api', 'backup'), false, 'exceptions stay');
  assert.equal(oom('/prod/api'), false, "the host's own /prod is outside the scope");
  assert.equal(oom('/demo/staging'), false);
});

test('a rule with no cgroup term sees only the scope', () => {
  const [rule] = scopeRules(rulesFrom('rule "hang" { when process.hang then stdout }'), '/demo');
  assert.ok(rule && rule.kind === 'event');
  const matches = compileSelection(rule.selection);
  assert.equal(matches('process.hang', { cgroup: '/demo/x', prio: 120 }), true);
  assert.equal(matches('process.hang', { cgroup: '/system.slice/x', prio: 120 }), false);
});

test('alert text is shown as the rules see it', () => {
  assert.equal(unscopedText('java OOM-killed in /demo/prod/api (memcg /demo/prod/api)', '/demo'), 'java OOM-killed in /prod/api (memcg /prod/api)');
  assert.equal(unscopedText('frozen: /demo', '/demo'), 'frozen: /');
  assert.equal(unscopedText('/demonstration/x', '/demo'), '/demonstration/x');
});
