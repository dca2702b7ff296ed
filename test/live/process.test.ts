/**
 * Process events from real children: fork, newtask, exit, free and
 * exit_mmap carry the pids, exit status and signal the test knows.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { runChild, startChild, waitExit } from '../support/child';
import { collect } from '../support/collect';
import { NEEDS_ROOT } from '../support/root';
import { ownV2Path } from '../support/scratch_cgroup';
import { onThisKernel } from '../support/kernel_events';
import { withEvents } from '../support/with_events';

/** exit_mmap only where the kernel has its tracepoint (not 5.10) */
const PROCESS_EVENTS = onThisKernel(['process.fork', 'process.newtask', 'process.exit', 'process.free', 'process.exit_mmap']);
const CLONE_THREAD = 0x10000;
const WAIT_MS = 5_000;

test('a child that exits with status 3 reports fork, newtask, exit, free and exit_mmap with its pid', { skip: NEEDS_ROOT, timeout: 30_000 }, async () => {
  await withEvents(PROCESS_EVENTS, async (stream) => {
    const child = await runChild(['/bin/sh', '-c', 'exit 3']);
    assert.equal(child.code, 3);
    const ofChild = (field: string) => (e: { fields: Record<string, unknown> }) => e.fields[field] === child.pid;

    const fork = await collect(stream, { name: 'process.fork', where: ofChild('child_pid'), describe: `of child ${child.pid}` }, WAIT_MS);
    assert.equal(fork.fields.child_tgid, child.pid);
    assert.equal(fork.fields.tgid, process.pid, 'the parent is this test process');
    assert.equal(fork.fields.child_comm, fork.fields.comm, "a forked child has its parent's comm until it execs");

    const newtask = await collect(stream, { name: 'process.newtask', where: ofChild('pid'), describe: `pid ${child.pid}` }, WAIT_MS);
    assert.equal(newtask.fields.tgid, child.pid, 'a new process, not a thread');
    assert.equal((newtask.fields.clone_flags as number) & CLONE_THREAD, 0);
    assert.equal(newtask.fields.oom_score_adj, Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8')), 'inherited oom_score_adj');

    const exit = await collect(stream, { name: 'process.exit', where: ofChild('pid'), describe: `pid ${child.pid}` }, WAIT_MS);
    assert.equal(exit.fields.comm, 'sh');
    assert.equal(exit.fields.exit_status, 3);
    assert.equal(exit.fields.signal, 0);
    assert.equal(exit.fields.group_dead, true);
    assert.equal(exit.fields.cgroup, ownV2Path(), "the child's v2 cgroup is this process's");

    if (PROCESS_EVENTS.includes('process.exit_mmap')) {
      const mmap = await collect(
        stream,
        { name: 'process.exit_mmap', where: (e) => e.fields.pid === child.pid && e.fields.comm === 'sh', describe: `of sh ${child.pid}` },
        WAIT_MS,
      );
      assert.ok((mmap.fields.total_vm as number) > 0, 'total_vm');
      assert.ok((mmap.fields.total_vm as number) >= (mmap.fields.rss as number), 'total_vm >= rss');
    }

    // the task struct is freed after an RCU grace period once the child is reaped
    const free = await collect(stream, { name: 'process.free', where: ofChild('pid'), describe: `pid ${child.pid}` }, WAIT_MS);
    assert.equal(free.fields.comm, 'sh');
  });
});

test('a child killed by SIGTERM reports signal 15 and no exit status', { skip: NEEDS_ROOT, timeout: 30_000 }, async () => {
  await withEvents(['process.exit'], async (stream) => {
    const child = await startChild(['/bin/sleep', '30']);
    child.process.kill('SIGTERM');
    const status = await waitExit(child, WAIT_MS);
    assert.equal(status.signal, 'SIGTERM');
    const exit = await collect(stream, { name: 'process.exit', where: (e) => e.fields.pid === child.pid }, WAIT_MS);
    assert.equal(exit.fields.comm, 'sleep');
    assert.equal(exit.fields.signal, 15);
    assert.equal(exit.fields.exit_status, 0);
    assert.equal(exit.fields.group_dead, true);
  });
});

test('a thread ending in a live process reports an exit with group_dead false and a CLONE_THREAD newtask', { skip: NEEDS_ROOT, timeout: 30_000 }, async () => {
  await withEvents(['process.newtask', 'process.exit'], async (stream) => {
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage("up")', { eval: true });
    await new Promise((resolve) => worker.once('message', resolve));
    await worker.terminate();
    const ofThisProcess = (e: { fields: Record<string, unknown> }): boolean => e.fields.tgid === process.pid && e.fields.pid !== process.pid;
    const exit = await collect(stream, { name: 'process.exit', where: ofThisProcess, describe: 'of a thread of this process' }, WAIT_MS);
    assert.equal(exit.fields.group_dead, false);
    const newtask = await collect(
      stream,
      { name: 'process.newtask', where: (e) => e.fields.pid === exit.fields.pid, describe: `of thread ${exit.fields.pid}` },
      WAIT_MS,
    );
    assert.equal(newtask.fields.tgid, process.pid);
    assert.notEqual((newtask.fields.clone_flags as number) & CLONE_THREAD, 0);
  });
});
