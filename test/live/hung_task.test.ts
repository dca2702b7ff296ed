/**
 * A task stuck in D state on a frozen filesystem of the test's own is
 * reported by the hung-task detector, by pid; the sysctl that made the
 * detector impatient is restored afterwards.
 */
import assert from 'node:assert/strict';
import * as os from 'node:os';
import { test } from 'node:test';
import { collect } from '../support/collect';
import { hungTaskUnavailable, withHungTask } from '../support/hung_task';
import { NEEDS_ROOT } from '../support/root';
import { readSysctl } from '../support/sysctl';
import { withEvents } from '../support/with_events';

/** timeout 2 s: the detector needs two checks, 2 s apart, once the sysctl is set */
const WAIT_MS = 10_000;

test('a task blocked on a frozen filesystem is reported as hung with its pid', { skip: NEEDS_ROOT || hungTaskUnavailable(), timeout: 60_000 }, async () => {
  await withEvents(['process.hang'], async (stream) => {
    const timeoutBefore = readSysctl('kernel.hung_task_timeout_secs');
    const { hang, pid } = await withHungTask(async (child) => ({
      pid: child.pid,
      hang: await collect(stream, { name: 'process.hang', where: (e) => e.fields.pid === child.pid, describe: `for pid ${child.pid}` }, WAIT_MS),
    }));
    assert.equal(hang.fields.tgid, pid);
    assert.equal(hang.fields.comm, 'sh');
    assert.equal(hang.fields.uid, 0);
    assert.equal(hang.fields.prio, 120 + os.getPriority(), 'prio of a task at our nice level');
    assert.equal(readSysctl('kernel.hung_task_timeout_secs'), timeoutBefore, 'hung_task_timeout_secs restored');
  });
});
