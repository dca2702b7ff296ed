/**
 * The live-test recipes undo their global changes when the test using them
 * fails half way: cpu1 comes back online, the hung-task sysctl is restored
 * and the frozen filesystem thawed and unmounted, a frozen scratch cgroup
 * with a task inside is still removed; and the failure reported is the
 * test's own, not a complaint about counters of a stream cut short.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { startChild } from '../support/child';
import { hotplugUnavailable, isOnline, withCpuOffline } from '../support/cpu_hotplug';
import { hungTaskUnavailable, taskState, withHungTask } from '../support/hung_task';
import { NEEDS_ROOT } from '../support/root';
import { ScratchCgroup, v2Unavailable } from '../support/scratch_cgroup';
import { readSysctl } from '../support/sysctl';
import { withEvents } from '../support/with_events';

const boom = new Error('the test failed here');

test('a test failing while cpu1 is offline still brings cpu1 back online', { skip: NEEDS_ROOT || hotplugUnavailable(1), timeout: 30_000 }, async () => {
  await assert.rejects(
    withCpuOffline(1, () => {
      assert.equal(isOnline(1), false, 'cpu1 is offline inside');
      throw boom;
    }),
    boom,
  );
  assert.equal(isOnline(1), true);
});

test(
  'a test failing while a task hangs still restores the sysctl, thaws and unmounts the filesystem',
  { skip: NEEDS_ROOT || hungTaskUnavailable(), timeout: 30_000 },
  async () => {
    const timeoutBefore = readSysctl('kernel.hung_task_timeout_secs');
    let mountDir = '';
    let pid = 0;
    await assert.rejects(
      withHungTask(async (child) => {
        pid = child.pid;
        mountDir = mountOf(child.pid);
        assert.equal(taskState(child.pid), 'D');
        assert.equal(readSysctl('kernel.hung_task_timeout_secs'), '2');
        throw boom;
      }),
      boom,
    );
    assert.equal(readSysctl('kernel.hung_task_timeout_secs'), timeoutBefore);
    assert.equal(taskState(pid), undefined, 'the blocked child was released and reaped');
    assert.ok(mountDir !== '', 'the frozen mount was found');
    assert.ok(!fs.readFileSync('/proc/self/mounts', 'utf8').includes(` ${mountDir} `), `${mountDir} is unmounted`);
    assert.equal(fs.existsSync(mountDir), false, 'the image and mount point are deleted');
  },
);

test('a frozen scratch cgroup with a task inside is still removed', { skip: NEEDS_ROOT || v2Unavailable(), timeout: 30_000 }, async () => {
  const cg = ScratchCgroup.v2();
  const child = await startChild(['/bin/sleep', '30']);
  try {
    cg.add(child.pid);
    cg.write('cgroup.freeze', 1);
  } finally {
    await cg.remove();
  }
  assert.equal(fs.existsSync(cg.dir), false);
  assert.equal((await child.exited).signal, 'SIGKILL');
});

/** The kw-hang mount point whose file the child is writing. */
function mountOf(pid: number): string {
  const line = fs
    .readFileSync('/proc/self/mounts', 'utf8')
    .split('\n')
    .find((l) => l.includes('/kw-hang-'));
  assert.ok(line, `a kw-hang mount exists while ${pid} hangs`);
  return line.split(' ')[1] as string;
}

test("a live test body's own failure is reported, not the counters of its cut-short stream", { skip: NEEDS_ROOT, timeout: 30_000 }, async () => {
  // nothing is delivered before the body throws: a counter check would fail too, and must not win
  await assert.rejects(
    withEvents(['process.hang'], async () => {
      throw boom;
    }),
    boom,
  );
});
