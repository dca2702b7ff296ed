/**
 * The life of a scratch v2 cgroup: mkdir, a task attached, populated, frozen
 * and thawed, emptied, removed and released; every event names the cgroup
 * by its path in the unified hierarchy and by its id.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import type { KernelEvent } from '../../src/events/event';
import { startChild, stopChild, type Child } from '../support/child';
import { collect, type EventMatch } from '../support/collect';
import { NEEDS_ROOT } from '../support/root';
import { ScratchCgroup, v2Unavailable } from '../support/scratch_cgroup';
import { withEvents } from '../support/with_events';

const EVENTS = ['cgroup.mkdir', 'cgroup.attach', 'cgroup.populated', 'cgroup.freeze', 'cgroup.frozen', 'cgroup.unfreeze', 'cgroup.rmdir', 'cgroup.release'];
const WAIT_MS = 5_000;
/** cgroup_release waits for the last css reference to go: seconds, sometimes */
const RELEASE_WAIT_MS = 15_000;

test(
  'a v2 cgroup reports mkdir, attach, populated, freeze, frozen, unfreeze, rmdir and release with its path',
  { skip: NEEDS_ROOT || v2Unavailable(), timeout: 60_000 },
  async () => {
    await withEvents(EVENTS, async (stream) => {
      const cg = ScratchCgroup.v2();
      let child: Child | undefined;
      try {
        const id = cg.id();
        const scratch = cg;
        const about = (name: string, where?: (e: KernelEvent) => boolean): EventMatch => ({
          name,
          where: (e) => e.fields.cgroup === scratch.path && (where?.(e) ?? true),
          describe: `for ${scratch.path}`,
        });
        const expectCgroup = (e: KernelEvent): void => {
          assert.equal(e.fields.hierarchy, 'unified', `${e.name} hierarchy`);
          assert.equal(e.fields.cgroup_id, id, `${e.name} cgroup_id`);
          assert.equal(e.fields.level, 1, `${e.name} level`);
        };

        expectCgroup(await collect(stream, about('cgroup.mkdir'), WAIT_MS));

        child = await startChild(['/bin/sleep', '30']);
        const pid = child.pid;
        cg.add(pid);
        const attach = await collect(
          stream,
          about('cgroup.attach', (e) => e.fields.task_pid === pid),
          WAIT_MS,
        );
        expectCgroup(attach);
        assert.equal(attach.fields.task_tgid, pid);
        assert.equal(attach.fields.task_comm, 'sleep');
        assert.equal(attach.fields.pid, process.pid, 'the mover is this test process');
        expectCgroup(
          await collect(
            stream,
            about('cgroup.populated', (e) => e.fields.populated === true),
            WAIT_MS,
          ),
        );

        cg.write('cgroup.freeze', 1);
        expectCgroup(await collect(stream, about('cgroup.freeze'), WAIT_MS));
        expectCgroup(
          await collect(
            stream,
            about('cgroup.frozen', (e) => e.fields.frozen === true),
            WAIT_MS,
          ),
        );
        cg.write('cgroup.freeze', 0);
        expectCgroup(await collect(stream, about('cgroup.unfreeze'), WAIT_MS));
        expectCgroup(
          await collect(
            stream,
            about('cgroup.frozen', (e) => e.fields.frozen === false),
            WAIT_MS,
          ),
        );

        await stopChild(child);
        expectCgroup(
          await collect(
            stream,
            about('cgroup.populated', (e) => e.fields.populated === false),
            WAIT_MS,
          ),
        );

        await cg.remove();
        expectCgroup(await collect(stream, about('cgroup.rmdir'), WAIT_MS));
        expectCgroup(await collect(stream, about('cgroup.release'), RELEASE_WAIT_MS));
      } finally {
        if (child) await stopChild(child);
        await cg.remove();
      }
    });
  },
);

test(
  "a task in a v2 cgroup created after the session started reports that cgroup's path on exit",
  { skip: NEEDS_ROOT || v2Unavailable(), timeout: 30_000 },
  async () => {
    await withEvents(['process.exit'], async (stream) => {
      const cg = ScratchCgroup.v2();
      let child: Child | undefined;
      try {
        child = await startChild(['/bin/sleep', '30']);
        const pid = child.pid;
        cg.add(pid);
        await stopChild(child);
        const exit = await collect(stream, { name: 'process.exit', where: (e) => e.fields.pid === pid, describe: `of pid ${pid}` }, WAIT_MS);
        assert.equal(exit.fields.cgroup, cg.path);
        assert.equal(exit.fields.cgroup_id, cg.id());
      } finally {
        if (child) await stopChild(child);
        await cg.remove();
      }
    });
  },
);

test(
  'a v2 cgroup whose path is longer than a record holds is reported truncated at 255 bytes, and its tasks still carry the full path',
  { skip: NEEDS_ROOT || v2Unavailable(), timeout: 30_000 },
  async () => {
    await withEvents(['cgroup.mkdir', 'process.exit'], async (stream) => {
      const cg = ScratchCgroup.v2();
      try {
        const deep = `${cg.path}/${'a'.repeat(200)}/${'b'.repeat(100)}`;
        fs.mkdirSync(path.join(cg.mount, deep), { recursive: true });
        const id = fs.statSync(path.join(cg.mount, deep), { bigint: true }).ino;
        const mkdir = await collect(stream, { name: 'cgroup.mkdir', where: (e) => e.fields.cgroup_id === id, describe: `of ${deep.slice(0, 40)}...` }, WAIT_MS);
        assert.equal(mkdir.truncated, true);
        assert.equal(mkdir.fields.cgroup, deep.slice(0, 255));
        assert.equal(mkdir.fields.level, 3);
        const parent = await collect(stream, { name: 'cgroup.mkdir', where: (e) => e.fields.cgroup === path.posix.dirname(deep) }, WAIT_MS);
        assert.equal(parent.truncated, false, `${path.posix.dirname(deep).length} bytes fit`);

        // the cut path from the mkdir record must not become the cgroup's known path
        const child = await startChild(['/bin/sleep', '30']);
        fs.writeFileSync(path.join(cg.mount, deep, 'cgroup.procs'), String(child.pid));
        await stopChild(child);
        const exit = await collect(stream, { name: 'process.exit', where: (e) => e.fields.pid === child.pid, describe: `of pid ${child.pid}` }, WAIT_MS);
        assert.equal(exit.fields.cgroup, deep);
      } finally {
        await cg.remove();
      }
    });
  },
);
