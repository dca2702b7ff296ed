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

test('an id never seen is found by rescanning the hierarchy, at most once a second', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-cgpaths-'));
  let now = 0;
  try {
    const p = new CgroupPaths([{ id: 0, name: 'unified', mountPoint: root }], () => now);
    fs.mkdirSync(path.join(root, 'prod', 'api'), { recursive: true });
    const apiId = fs.statSync(path.join(root, 'prod', 'api'), { bigint: true }).ino;
    assert.equal(p.pathOf(0, apiId), '/prod/api');
    assert.equal(p.pathOf(0, fs.statSync(root, { bigint: true }).ino), '/');
    fs.mkdirSync(path.join(root, 'late'));
    const lateId = fs.statSync(path.join(root, 'late'), { bigint: true }).ino;
    now = 500;
    assert.equal(p.pathOf(0, lateId), undefined, 'no second scan within a second');
    now = 1500;
    assert.equal(p.pathOf(0, lateId), '/late');
    assert.equal(p.pathOf(7, lateId), undefined, 'an unknown hierarchy resolves nothing');
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});
