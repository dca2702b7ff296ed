/**
 * The state machine the kernel steps cgroup names with, against the rule
 * language's own glob matcher: where the kernel decides a glob exactly it
 * matches exactly the same paths, and where it widens a segment it matches
 * a superset, never less (a page is never lost in the kernel).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { globMatcher } from '../src/dsl/glob';
import { GlobStateBuilder, entriesForTree, stepGlobs, type GlobEntry, type GlobState } from '../src/kernel/cgroup_globs';

function matchOf(states: readonly GlobState[], root: GlobEntry, p: string): bigint {
  if (p === '/') return root.match;
  let entry = root;
  for (const name of p.slice(1).split('/')) entry = stepGlobs(states, entry, name);
  return entry.match;
}

test('literal, star, prefix and double-star segments step as the glob reads', () => {
  const b = new GlobStateBuilder();
  assert.deepEqual(b.add('/prod/**', 1n), { exact: true });
  assert.deepEqual(b.add('/kubepods/*/pod*', 2n), { exact: true });
  assert.deepEqual(b.add('/', 4n), { exact: true });
  const states = b.states();
  const root = b.rootEntry();
  const m = (p: string): bigint => matchOf(states, root, p);
  assert.equal(m('/'), 4n);
  assert.equal(m('/prod'), 1n, '"/prod/**" matches /prod itself');
  assert.equal(m('/prod/a/b/c'), 1n);
  assert.equal(m('/production'), 0n);
  assert.equal(m('/kubepods/burstable/pod42'), 2n);
  assert.equal(m('/kubepods/burstable/pod42/c'), 0n);
  assert.equal(m('/kubepods/pod42'), 0n);
  assert.equal(m('/kubepods/burstable/po'), 0n);
});

test('suffix segments compare the end of the whole name, however long', () => {
  const b = new GlobStateBuilder();
  assert.deepEqual(b.add('/system.slice/*.service', 1n), { exact: true });
  assert.deepEqual(b.add('/k/*-ab*', 2n), { exact: false }, 'stars at both ends: widened');
  const states = b.states();
  const root = b.rootEntry();
  const m = (p: string): bigint => matchOf(states, root, p);
  assert.equal(m('/system.slice/cron.service'), 1n);
  assert.equal(m(`/system.slice/${'x'.repeat(200)}.service`), 1n, 'a 208-byte name');
  assert.equal(m('/system.slice/.service'), 1n, 'the star matches nothing too');
  assert.equal(m('/system.slice/cron.services'), 0n);
  assert.equal(m('/system.slice/service'), 0n);
  assert.equal(m('/k/anything'), 2n);
});

test('a glob used by two rules gets its states once, both rules on its end', () => {
  const b = new GlobStateBuilder();
  b.add('/a/*', 1n);
  const size = b.size;
  b.add('/a/*', 2n);
  assert.equal(b.size, size);
  assert.equal(matchOf(b.states(), b.rootEntry(), '/a/x'), 3n);
});

test('states are bounded: what does not fit is refused whole', () => {
  const b = new GlobStateBuilder();
  for (let i = 0; i < 21; i++) assert.ok(b.add(`/s${i}/**`, 1n));
  assert.equal(b.fits(['/t/**']), false);
  assert.equal(b.add('/t/**', 2n), undefined);
  assert.equal(b.fits(['/s3/**']), true, 'a glob already compiled costs nothing');
});

test('names the kernel cannot compare whole are widened: a 63-byte name never equals a literal, prefixes compare what fits', () => {
  const b = new GlobStateBuilder();
  const long = 'x'.repeat(70);
  assert.deepEqual(b.add(`/${long}`, 1n), { exact: false }, 'a literal longer than the kernel reads');
  assert.deepEqual(b.add('/p/ab*', 2n), { exact: true });
  const states = b.states();
  const root = b.rootEntry();
  assert.equal(matchOf(states, root, '/anything'), 1n, 'widened to any name: passes, userspace decides');
  assert.equal(matchOf(states, root, `/p/ab${'y'.repeat(80)}`), 2n);
});

test('the kernel model never matches less than the glob, and exactly as much where it says exact', () => {
  let seed = 7;
  const random = (n: number): number => {
    seed = (seed * 48271) % 2147483647;
    return seed % n;
  };
  const names = ['a', 'ab', 'abc', 'pod1', 'pod', 'b', 'x-db', 'kube', `${'y'.repeat(90)}-db`, '-db'];
  const segments = ['a', 'ab*', '*', '**', 'pod*', '*-db', 'a?c', 'kube', '*b*'];
  for (let round = 0; round < 300; round++) {
    const glob = `/${Array.from({ length: 1 + random(4) }, () => segments[random(segments.length)]).join('/')}`;
    const b = new GlobStateBuilder();
    const placed = b.add(glob, 1n);
    assert.ok(placed);
    const matcher = globMatcher(glob, 'path');
    const states = b.states();
    const root = b.rootEntry();
    for (let k = 0; k < 40; k++) {
      const p = `/${Array.from({ length: 1 + random(5) }, () => names[random(names.length)]).join('/')}`;
      const inKernel = matchOf(states, root, p) !== 0n;
      if (matcher(p)) assert.ok(inKernel, `${glob} matches ${p}: the kernel must pass it`);
      else if (placed.exact) assert.ok(!inKernel, `${glob} does not match ${p}, and the kernel decides it exactly`);
    }
  }
});

test('entries for a tree are its cgroups with states or matches, computed from the root down', () => {
  const b = new GlobStateBuilder();
  b.add('/prod/*', 1n);
  const tree: Array<[bigint, string]> = [
    [1n, '/'],
    [12n, '/prod/api/worker'],
    [10n, '/prod'],
    [11n, '/prod/api'],
    [13n, '/staging'],
  ];
  const entries = entriesForTree(b.states(), b.rootEntry(), tree);
  assert.deepEqual([...entries.keys()].sort(), [1n, 10n, 11n]);
  assert.equal(entries.get(11n)?.match, 1n);
  assert.equal(entries.get(10n)?.match, 0n);
});
