/**
 * The cgroup path cache on the live kernel with no cgroup glob in the rules:
 * the kernel sends cgroup.mkdir for the cache all the same, so a cgroup
 * made after load is named by its path on the first record of a task in it.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { retryUntil } from '../support/bounded';
import { noticeFor, withEngine } from '../support/live_engine';
import { NEEDS_ROOT } from '../support/root';
import { ownV2Path, uniqueName, V2_MOUNT, v2Unavailable } from '../support/scratch_cgroup';

test(
  "a cgroup made after load under this test's own cgroup is named by its path on its first event, with no cgroup glob in the rules",
  { skip: NEEDS_ROOT || v2Unavailable(), timeout: 60_000 },
  async () => {
    const cgPath = path.posix.join(ownV2Path() ?? '/', uniqueName('kw-fresh'));
    const dir = path.join(V2_MOUNT, cgPath);
    const rules = 'rule "fresh" { when process.exit and comm == "kw-fresh" then stdout }';
    await withEngine(rules, async (engine, notices) => {
      assert.equal(engine.plan.kernel.globStates.length, 0, 'no cgroup glob in the kernel');
      fs.mkdirSync(dir);
      try {
        // moved in, named, gone: its exit is the first record of a task in the new cgroup
        const name = "import ctypes; ctypes.CDLL(None).prctl(15, b'kw-fresh', 0, 0, 0)";
        const r = spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec python3 -c "${name}"`], { timeout: 30_000 });
        assert.equal(r.status, 0, r.stderr.toString());
        const n = await noticeFor(notices, (x) => x.alert.rule === 'fresh', 5_000);
        assert.equal(n.alert.fields.cgroup, cgPath);
        assert.equal(n.alert.fields.cgroup_id, fs.statSync(dir, { bigint: true }).ino);
        const stats = await engine.stop();
        assert.ok((stats.deliveredByEvent.get('cgroup.mkdir') ?? 0) >= 1, 'the mkdir record reached userspace with no rule on it');
        assert.equal(stats.evaluator.perRule.get('fresh')?.matched, 1);
      } finally {
        await retryUntil(`rmdir ${dir}`, 5_000, () => {
          if (fs.existsSync(dir)) fs.rmdirSync(dir);
          return true;
        });
      }
    });
  },
);
