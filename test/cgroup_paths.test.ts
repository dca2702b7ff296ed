import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CgroupPaths, discoverHierarchies } from '../src/events/cgroup_paths';

const MOUNTINFO = [
  '30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755',
  '31 30 0:27 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw',
  '35 30 0:31 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory',
  '36 30 0:32 / /sys/fs/cgroup/cpu\\040acct rw,relatime - cgroup cgroup rw,cpu,cpuacct',
  '37 30 0:33 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd',
  '38 30 0:31 /nested /mnt/bind rw,relatime - cgroup cgroup rw,memory',
].join('\n');
const PROC_CGROUPS = '#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t1\t1\t1\ncpuacct\t1\t1\t1\nmemory\t4\t10\t1\n';

test('hierarchies come from mountinfo with their ids from /proc/cgroups', () => {
  assert.deepEqual(discoverHierarchies(MOUNTINFO, PROC_CGROUPS), [
    { id: 0, name: 'unified', mountPoint: '/sys/fs/cgroup/unified' },
    { id: 4, name: 'memory', mountPoint: '/sys/fs/cgroup/memory' },
    { id: 1, name: 'cpu,cpuacct', mountPoint: '/sys/fs/cgroup/cpu acct' },
  ]);
});

test('inside a cgroup namespace the host hierarchy mounted at "/.." still serves; a sub-cgroup bind mount does not', () => {
  const pod = ['31 30 0:27 /.. /sys/fs/cgroup rw - cgroup2 cgroup2 rw', '32 30 0:27 /kubepods/x /mnt/x rw - cgroup2 cgroup2 rw'].join('\n');
  assert.deepEqual(discoverHierarchies(pod, ''), [{ id: 0, name: 'unified', mountPoint: '/sys/fs/cgroup' }]);
});

/** A v2 hierarchy in a temporary directory, with the ids of the directories made in it. */
function tempHierarchy(now?: () => number): { root: string; p: CgroupPaths; mkdir: (rel: string) => bigint } {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-cgpaths-'));
  const p = new CgroupPaths([{ id: 0, name: 'unified', mountPoint: root }], now);
  const mkdir = (rel: string): bigint => {
    fs.mkdirSync(path.join(root, rel), { recursive: true });
    return fs.statSync(path.join(root, rel), { bigint: true }).ino;
  };
  return { root, p, mkdir };
}

test('an id never seen is not looked for on the spot: a walk in the background finds it, and every other id not known', async () => {
  const { root, p, mkdir } = tempHierarchy();
  try {
    const apiId = mkdir('prod/api');
    const dbId = mkdir('prod/db');
    assert.equal(p.pathOf(0, apiId), undefined, 'the lookup answers from the cache alone');
    assert.equal(p.pathOf(0, dbId), undefined);
    await p.settled();
    assert.equal(p.pathOf(0, apiId), '/prod/api');
    assert.equal(p.pathOf(0, dbId), '/prod/db');
    assert.equal(p.pathOf(0, fs.statSync(root, { bigint: true }).ino), '/');
    assert.equal(p.walkStats().walks, 1, 'misses before a walk begins share it');
    assert.equal(p.pathOf(7, apiId), undefined, 'an unknown hierarchy resolves nothing');
    await p.settled();
    assert.equal(p.walkStats().walks, 1, 'and asks for no walk');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('walks that find nothing new come less often, up to a minute apart; one that finds a cgroup brings them back to a second', async () => {
  let now = 0;
  const { root, p, mkdir } = tempHierarchy(() => now);
  try {
    mkdir('a');
    p.refresh();
    await p.settled();
    assert.equal(p.walkStats().intervalMs, 1000, 'the first walk learned the tree');
    now += 100_000;
    p.refresh();
    await p.settled();
    assert.equal(p.walkStats().intervalMs, 1000, 'a refresh that finds nothing new is no reason to wait longer');
    for (const expected of [2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000]) {
      now += 100_000;
      assert.equal(p.pathOf(0, 424242n), undefined);
      await p.settled();
      assert.equal(p.walkStats().intervalMs, expected);
    }
    const late = mkdir('late');
    now += 100_000;
    assert.equal(p.pathOf(0, late), undefined);
    await p.settled();
    assert.equal(p.pathOf(0, late), '/late');
    assert.equal(p.walkStats().intervalMs, 1000);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a path a record taught wins over what a walk read, and a cgroup forgotten while a walk runs is not learned back', async () => {
  const { root, p, mkdir } = tempHierarchy();
  try {
    const renamed = mkdir('v1/old');
    const released = mkdir('gone/deep/er');
    p.learn(0, renamed, '/v1/new');
    p.refresh();
    while (p.walkStats().walks === 0) await new Promise((resolve) => setImmediate(resolve));
    // the walk has begun and taken in nothing yet: a release record decoded now, its directory still
    // there to be read (as one stat()ed just before its rmdir would be)
    p.forget(0, released);
    await p.settled();
    assert.equal(p.pathOf(0, renamed), '/v1/new');
    assert.equal(p.pathOf(0, released), undefined, 'released after the walk began: not learned back');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a cut path is dropped and the whole one read in the background', async () => {
  const { root, p, mkdir } = tempHierarchy();
  try {
    const long = mkdir('a-long-name/b');
    p.learn(0, long, '/a-long-na');
    p.relearn(0, long); // no cut path given: only the background walk can tell
    assert.equal(p.pathOf(0, long), undefined);
    await p.settled();
    assert.equal(p.pathOf(0, long), '/a-long-name/b');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('removed cgroups are forgotten on release, or once 65,536 newer ones wait for theirs', () => {
  const p = new CgroupPaths([{ id: 0, name: 'unified', mountPoint: '/nonexistent' }]);
  p.learn(0, 1n, '/first');
  p.removed(0, 1n);
  assert.equal(p.pathOf(0, 1n), '/first', 'records still in flight may name a removed cgroup');
  p.forget(0, 1n);
  assert.equal(p.pathOf(0, 1n), undefined);
  for (let id = 10n; id < 10n + 65_537n; id++) {
    p.learn(0, id, `/c${id}`);
    p.removed(0, id);
  }
  assert.equal(p.pathOf(0, 10n), undefined, 'the oldest removed one is gone');
  assert.equal(p.pathOf(0, 11n), '/c11');
  p.learn(0, 5n, '/live');
  p.removed(0, 99n);
  assert.equal(p.pathOf(0, 5n), '/live', 'an rmdir of an id never known changes nothing');
});

test('only the v2 and v1 memory hierarchies are kept: records of the others teach nothing', () => {
  const p = new CgroupPaths(discoverHierarchies(MOUNTINFO, PROC_CGROUPS));
  assert.deepEqual(
    [0, 4, 1].map((h) => p.keeps(h)),
    [true, true, false],
  );
  p.learn(1, 50n, '/cpu-only');
  assert.equal(p.pathOf(1, 50n), undefined);
  p.learn(4, 50n, '/memcg');
  assert.equal(p.pathOf(4, 50n), '/memcg');
});

test("a reload's tree is read in steps off the event loop: the same cgroups as a blocking walk, and a path a record taught kept", async () => {
  const { root, p, mkdir } = tempHierarchy();
  try {
    const api = mkdir('prod/api');
    mkdir('prod/db');
    const renamed = mkdir('batch/x');
    p.learn(0, renamed, '/batch/renamed-by-a-record');
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    const inSteps = new Map(await p.treeInSteps(0));
    clearInterval(ticker);
    assert.equal(inSteps.get(api), '/prod/api');
    assert.equal(inSteps.get(renamed), '/batch/renamed-by-a-record', 'the record wins over the walk');
    const blocking = new Map(new CgroupPaths([{ id: 0, name: 'unified', mountPoint: root }]).tree(0));
    assert.deepEqual([...inSteps.keys()].sort(), [...blocking.keys()].sort(), 'every cgroup a blocking walk finds');
    assert.ok(turns > 0, 'the event loop turned while the walk ran');
    assert.deepEqual(await p.treeInSteps(5), [], 'an unknown hierarchy has no cgroups');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test('a path a record cut short is found at once below its last whole ancestor, not by waiting for a walk', () => {
  const { root, p, mkdir } = tempHierarchy();
  try {
    p.fillOnce();
    const deep = `/scratch/${'a'.repeat(200)}/${'b'.repeat(100)}`;
    const id = mkdir(deep.slice(1));
    mkdir(`scratch/${'a'.repeat(200)}/${'b'.repeat(60)}-sibling`);
    p.relearn(0, id, deep.slice(0, 255));
    assert.equal(p.pathOf(0, id), deep);
    assert.equal(p.walkStats().walks, 0, 'no walk was needed');
    // cut inside a parent's name: found below it
    const deeper = `/scratch/${'c'.repeat(250)}/d`;
    const deeperId = mkdir(deeper.slice(1));
    p.relearn(0, deeperId, deeper.slice(0, 255));
    assert.equal(p.pathOf(0, deeperId), deeper);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
