/**
 * A v1 cpuset that loses its only CPU: the kernel moves its task to the
 * parent cpuset and reports the transfer with the task's pid. cpu1 is taken
 * offline for a moment only, and always brought back.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as path from 'node:path';
import { startChild, stopChild, type Child } from '../support/child';
import { collect } from '../support/collect';
import { hotplugUnavailable, isOnline, withCpuOffline } from '../support/cpu_hotplug';
import { NEEDS_ROOT } from '../support/root';
import { ScratchCgroup, v1Unavailable } from '../support/scratch_cgroup';
import { withEvents } from '../support/with_events';

const CPU = 1;
const EVENTS = ['cgroup.attach', 'cgroup.transfer'];
const WAIT_MS = 5_000;

test(
  'a cpuset v1 cgroup whose only CPU goes offline reports the transfer of its task to the parent',
  { skip: NEEDS_ROOT || v1Unavailable('cpuset') || hotplugUnavailable(CPU), timeout: 60_000 },
  async () => {
    await withEvents(EVENTS, async (stream) => {
      const cg = ScratchCgroup.v1('cpuset');
      let child: Child | undefined;
      try {
        cg.write('cpuset.cpus', CPU);
        cg.write('cpuset.mems', 0);
        child = await startChild(['/bin/sleep', '30']);
        const pid = child.pid;
        cg.add(pid);
        const attach = await collect(stream, { name: 'cgroup.attach', where: (e) => e.fields.task_pid === pid && e.fields.hierarchy === 'cpuset' }, WAIT_MS);
        assert.equal(attach.fields.cgroup, cg.path);

        // the kernel moves the tasks from a work item: wait for it with the CPU back online
        await withCpuOffline(CPU, () => undefined);
        assert.ok(isOnline(CPU), `cpu${CPU} is back online`);
        const transfer = await collect(stream, { name: 'cgroup.transfer', where: (e) => e.fields.task_pid === pid, describe: `of pid ${pid}` }, WAIT_MS);
        assert.equal(transfer.fields.hierarchy, 'cpuset');
        assert.equal(transfer.fields.cgroup, path.posix.dirname(cg.path), 'the destination is the parent cpuset');
        assert.equal(transfer.fields.level, cg.level - 1);
        assert.equal(transfer.fields.task_tgid, pid);
        assert.equal(transfer.fields.task_comm, 'sleep');
        assert.deepEqual(cg.pids(), [], 'the scratch cpuset is empty');
      } finally {
        if (child) await stopChild(child);
        await cg.remove();
      }
    });
  },
);
