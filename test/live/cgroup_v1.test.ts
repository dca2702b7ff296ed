/**
 * A v1 cgroup under this process's own memory cgroup: created, renamed,
 * removed and released, each event with its path in the memory hierarchy.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KernelEvent } from '../../src/events/event';
import { collect } from '../support/collect';
import { NEEDS_ROOT } from '../support/root';
import { ScratchCgroup, uniqueName, v1Unavailable } from '../support/scratch_cgroup';
import { withEvents } from '../support/with_events';

const EVENTS = ['cgroup.mkdir', 'cgroup.rename', 'cgroup.rmdir', 'cgroup.release'];
const WAIT_MS = 5_000;
const RELEASE_WAIT_MS = 15_000;

test(
  'a renamed v1 memory cgroup reports mkdir at the old path, rename to the new path, then rmdir and release there',
  { skip: NEEDS_ROOT || v1Unavailable('memory'), timeout: 60_000 },
  async () => {
    await withEvents(EVENTS, async (stream) => {
      const cg = ScratchCgroup.v1('memory');
      try {
        const id = cg.id();
        const oldPath = cg.path;
        const sameCgroup = (e: KernelEvent): boolean => e.fields.cgroup_id === id;
        const expectMemoryCgroup = (e: KernelEvent, cgroupPath: string): void => {
          assert.equal(e.fields.hierarchy, 'memory', `${e.name} hierarchy`);
          assert.equal(e.fields.cgroup, cgroupPath, `${e.name} path`);
          assert.equal(e.fields.level, cg.level, `${e.name} level`);
        };

        expectMemoryCgroup(await collect(stream, { name: 'cgroup.mkdir', where: sameCgroup, describe: `of ${oldPath}` }, WAIT_MS), oldPath);

        const newPath = cg.rename(uniqueName('kw-renamed'));
        expectMemoryCgroup(await collect(stream, { name: 'cgroup.rename', where: sameCgroup, describe: `of ${oldPath}` }, WAIT_MS), newPath);

        await cg.remove();
        expectMemoryCgroup(await collect(stream, { name: 'cgroup.rmdir', where: sameCgroup, describe: `of ${newPath}` }, WAIT_MS), newPath);
        expectMemoryCgroup(await collect(stream, { name: 'cgroup.release', where: sameCgroup, describe: `of ${newPath}` }, RELEASE_WAIT_MS), newPath);
      } finally {
        await cg.remove();
      }
    });
  },
);
