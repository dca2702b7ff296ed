/** Glob semantics as docs/rules.md states them; the engine reuses these functions. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { globMatcher, pathGlobPrefix, validateGlob } from '../../src/dsl';

function matches(glob: string, kind: 'path' | 'string', yes: string[], no: string[]): void {
  const m = globMatcher(glob, kind);
  for (const v of yes) assert.ok(m(v), `${glob} should match ${v}`);
  for (const v of no) assert.ok(!m(v), `${glob} should not match ${v}`);
}

describe('cgroup path globs', () => {
  it('"*" matches exactly one segment: children, not the parent, not grandchildren', () => {
    matches('/prod/*', 'path', ['/prod/api', '/prod/db.service'], ['/prod', '/prod/api/worker', '/production/api', '/']);
  });
  it('"/prod/**" matches /prod itself and every descendant, and nothing beside it', () => {
    matches('/prod/**', 'path', ['/prod', '/prod/api', '/prod/api/worker/x'], ['/production', '/prodx/api', '/', '/staging/prod']);
  });
  it('"**" in the middle matches zero or more segments', () => {
    matches('/prod/**/api', 'path', ['/prod/api', '/prod/a/api', '/prod/a/b/api'], ['/prod/api/x', '/prod/xapi']);
  });
  it('"/**" matches every cgroup, the root included', () => {
    matches('/**', 'path', ['/', '/a', '/a/b'], []);
  });
  it('"*" and "?" stay within a segment', () => {
    matches('/prod/web-*', 'path', ['/prod/web-1', '/prod/web-'], ['/prod/web-1/x', '/prod/api']);
    matches('/prod/db?', 'path', ['/prod/db1'], ['/prod/db', '/prod/db12', '/prod/db/']);
  });
  it('a glob without wildcards is an exact match, and regex characters are literal', () => {
    matches('/system.slice/a+b', 'path', ['/system.slice/a+b'], ['/systemXslice/a+b', '/system.slice/aab']);
    matches('/', 'path', ['/'], ['/a']);
  });
  it('rejects globs that could never match or have no defined meaning', () => {
    for (const bad of ['', 'prod/*', '/prod/', '/prod//x', '/prod/a**', '/prod/[ab]', '/prod/{a,b}', '/prod/a\\*']) {
      assert.ok(validateGlob(bad, 'path'), `"${bad}" should be rejected`);
    }
    assert.equal(validateGlob('/prod/**/api/*', 'path'), undefined);
  });
  it('reports the literal subtree a glob is confined to', () => {
    assert.deepEqual(pathGlobPrefix('/prod/**'), { prefix: '/prod', exact: false });
    assert.deepEqual(pathGlobPrefix('/prod/*/api'), { prefix: '/prod', exact: false });
    assert.deepEqual(pathGlobPrefix('/prod/api'), { prefix: '/prod/api', exact: true });
    assert.deepEqual(pathGlobPrefix('/**'), { prefix: '/', exact: false });
  });
});

describe('string globs', () => {
  it('"*" crosses "/" in plain strings such as comm', () => {
    matches('kworker/*', 'string', ['kworker/0:1', 'kworker/u8:2-events'], ['kworker', 'xkworker/1']);
    matches('*sh', 'string', ['bash', 'sh', 'zsh'], ['shell']);
  });
  it('rejects "**", which only means something in paths', () => {
    assert.ok(validateGlob('a**', 'string'));
  });
});
