/**
 * An OOM kill inside a scratch memory cgroup (64 MiB limit, 200 MiB
 * allocated; v1 memory where the host has it, else v2): the victim's pid,
 * comm, memory cgroup and sizes come out right.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { collect } from '../support/collect';
import type { EventStream } from '../support/event_stream';
import { oomKillIn } from '../support/oom';
import { NEEDS_ROOT } from '../support/root';
import { memoryUnavailable, ScratchCgroup, uniqueName, v1Unavailable } from '../support/scratch_cgroup';
import { withEvents } from '../support/with_events';

const MIB = 1 << 20;
const WAIT_MS = 5_000;

/** OOM-kills an allocator in `cg`; returns the run and its oom.victim event. */
async function oomVictimIn(stream: EventStream, cg: ScratchCgroup, limitMib: number, allocMib: number, oomScoreAdj = 0) {
  const run = await oomKillIn(cg, limitMib, allocMib, oomScoreAdj);
  assert.equal(run.signal, 'SIGKILL', `the allocator was OOM-killed (exit ${run.code})`);
  const victim = await collect(stream, { name: 'oom.victim', where: (e) => e.fields.pid === run.pid, describe: `pid ${run.pid}` }, WAIT_MS);
  return { run, victim };
}

test("an OOM kill in a memory cgroup reports the victim's pid, comm and memcg", { skip: NEEDS_ROOT || memoryUnavailable(), timeout: 60_000 }, async () => {
  const events = ['oom.victim'];
  await withEvents(events, async (stream) => {
    const cg = ScratchCgroup.memory();
    try {
      const memcgId = cg.id();
      const { run, victim } = await oomVictimIn(stream, cg, 64, 200, 321);
      assert.equal(victim.fields.comm, run.comm);
      assert.equal(victim.fields.tgid, run.pid);
      assert.equal(victim.fields.uid, 0);
      assert.equal(victim.fields.oom_score_adj, 321);
      assert.equal(victim.fields.memcg, cg.path, 'memcg is the scratch cgroup, relative to the memory hierarchy');
      assert.equal(victim.fields.memcg_id, memcgId);
      assert.equal(victim.fields.trigger_pid, run.pid, 'the victim itself hit the limit');
      assert.ok((victim.fields.total_vm as number) >= 200 * MIB, `total_vm ${victim.fields.total_vm} covers the 200 MiB buffer`);
      const anon = victim.fields.anon_rss as number;
      assert.ok(anon > 16 * MIB && anon <= 64 * MIB, `anon_rss ${anon} is within the 64 MiB limit`);
    } finally {
      await cg.remove();
    }
  });
});

test(
  'an OOM kill in a v1 memory cgroup renamed since an earlier OOM there reports the new memcg path',
  { skip: NEEDS_ROOT || v1Unavailable('memory'), timeout: 60_000 },
  async () => {
    // only oom.victim is watched: no rename event tells the path cache about the rename
    const events = ['oom.victim'];
    await withEvents(events, async (stream) => {
      const cg = ScratchCgroup.v1('memory');
      try {
        const id = cg.id();
        assert.equal((await oomVictimIn(stream, cg, 32, 128)).victim.fields.memcg, cg.path);

        const renamed = cg.rename(uniqueName('kw-renamed'));
        const { victim } = await oomVictimIn(stream, cg, 32, 128);
        assert.equal(victim.fields.memcg, renamed);
        assert.equal(victim.fields.memcg_id, id);
      } finally {
        await cg.remove();
      }
    });
  },
);
