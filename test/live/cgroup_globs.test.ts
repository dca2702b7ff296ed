/**
 * Cgroup globs are followed by name in the kernel: a rule's glob keeps
 * matching when its prefix cgroup is removed and created again (a service
 * restarted, a pod re-created), across a reload made while the prefix was
 * gone, and through churn under and beside it. What is counted is what the
 * kernel sent for the rule (`kernelMatched`), so a userspace check cannot
 * hide a kernel filter that went blind or leaky.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { rulesFrom } from '../engine/helpers';
import { enableMemoryDown, noticeFor, oomIn, ruleStatsFor, withEngine } from '../support/live_engine';
import { NEEDS_ROOT } from '../support/root';
import { memoryUnavailable, ScratchCgroup, v1Unavailable, v2Unavailable } from '../support/scratch_cgroup';

const SKIP = NEEDS_ROOT || v2Unavailable() || memoryUnavailable();
const WAIT_MS = 10_000;

/** A v2 scratch cgroup to build trees in, and where OOMs get their limit. */
interface Setup {
  readonly scratch: ScratchCgroup;
  /** the v1 memcg on hybrid hosts; undefined: v2 memory.max in the cgroup itself */
  readonly memcg: ScratchCgroup | undefined;
}

async function withScratch(body: (s: Setup) => Promise<void>): Promise<void> {
  const scratch = ScratchCgroup.v2();
  const memcg = v1Unavailable('memory') ? undefined : ScratchCgroup.v1('memory');
  try {
    await body({ scratch, memcg });
  } finally {
    await scratch.remove();
    await memcg?.remove();
  }
}

/** mkdir -p below the scratch cgroup; returns the directory. */
function make(s: Setup, rel: string): string {
  const dir = path.join(s.scratch.dir, rel);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** An OOM kill in the v2 cgroup `dir`; its pid. */
function oomAt(s: Setup, dir: string): number {
  if (!s.memcg) enableMemoryDown(s.scratch.dir, dir);
  return oomIn(dir, s.memcg?.dir);
}

/** Removes `dir` and everything below it (empty cgroups, deepest first). */
function removeTree(dir: string): void {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) removeTree(path.join(dir, e.name));
  fs.rmdirSync(dir);
}

test("a glob's prefix removed and created again is followed: an OOM in it right after the mkdir pages", { skip: SKIP, timeout: 120_000 }, async () => {
  await withScratch(async (s) => {
    make(s, 'P/a');
    const rules = `rule "prefix" { when oom.victim and cgroup matches "${s.scratch.path}/P/**" then stdout }`;
    await withEngine(rules, async (engine, notices) => {
      const first = oomAt(s, path.join(s.scratch.dir, 'P/a'));
      const n = await noticeFor(notices, (x) => x.alert.rule === 'prefix', WAIT_MS);
      assert.equal(n.alert.fields.pid, first);
      removeTree(path.join(s.scratch.dir, 'P'));
      // created again, and the OOM follows the mkdir at once
      const again = oomAt(s, make(s, 'P/b'));
      const stats = await ruleStatsFor(engine, 'prefix', (r) => r.kernelMatched === 2, WAIT_MS);
      assert.equal(stats.matched, 2, `the OOM of pid ${again} in the re-created prefix reached the rule`);
      // beside the prefix: filtered in the kernel
      oomAt(s, make(s, 'Q'));
      oomAt(s, make(s, 'PP'));
      const final = await engine.stop();
      assert.equal(final.evaluator.perRule.get('prefix')?.kernelMatched, 2, 'no record for OOMs beside the prefix');
    });
  });
});

test('a reload made while the prefix is gone still follows it when it is created again', { skip: SKIP, timeout: 120_000 }, async () => {
  await withScratch(async (s) => {
    make(s, 'P');
    const rule = `rule "prefix" { when oom.victim and cgroup matches "${s.scratch.path}/P/**" then stdout }`;
    await withEngine(rule, async (engine) => {
      removeTree(path.join(s.scratch.dir, 'P'));
      await engine.reload(rulesFrom(`${rule}\nrule "other" { when oom.victim and cgroup matches "/kw-nothing-here/**" then stdout }`));
      const victim = oomAt(s, make(s, 'P/x/y'));
      const stats = await ruleStatsFor(engine, 'prefix', (r) => r.kernelMatched === 1, WAIT_MS);
      assert.equal(stats.matched, 1, `the OOM of pid ${victim} after the reload reached the rule`);
      await engine.stop();
    });
  });
});

test(
  'through 500 cgroups created and removed under and beside watched globs, every OOM inside pages and none outside',
  { skip: SKIP, timeout: 600_000 },
  async (t) => {
    await withScratch(async (s) => {
      const base = s.scratch.path;
      const rules = `
      rule "svc" { when oom.victim and cgroup matches "${base}/svc/**" then stdout }
      rule "pods" { when oom.victim and cgroup matches "${base}/kube/*/pod*/**" then stdout }
    `;
      // where churn happens: [relative path, rules an OOM there must reach]
      const inside = (rel: string): string[] => {
        const parts = rel.split('/');
        const hits: string[] = [];
        if (parts[0] === 'svc') hits.push('svc');
        if (parts[0] === 'kube' && parts.length >= 3 && (parts[2] ?? '').startsWith('pod')) hits.push('pods');
        return hits;
      };
      const shapes = [
        (i: number) => `svc/x${i}`,
        (i: number) => `svc/x${i}/deep`,
        (i: number) => `svcx/y${i}`,
        (i: number) => `kube/burst${i % 3}/pod${i}`,
        (i: number) => `kube/burst${i % 3}/pod${i}/c`,
        (i: number) => `kube/burst${i % 3}/other${i}`,
        (i: number) => `kube/pod${i}`,
        (i: number) => `kubex/b/pod${i}`,
      ];
      // deterministic (mulberry32): the same churn every run, so a failure can be replayed
      let seed = 20261130;
      const random = (n: number): number => {
        seed = (seed + 0x6d2b79f5) | 0;
        let x = Math.imul(seed ^ (seed >>> 15), seed | 1);
        x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
        return Math.floor((((x ^ (x >>> 14)) >>> 0) / 2 ** 32) * n);
      };
      // OOMs take turns: under svc, in a pod, beside both
      const turns: Array<[(rel: string) => boolean, string]> = [
        [(rel) => inside(rel).includes('svc'), 'svc/fresh'],
        [(rel) => inside(rel).includes('pods'), 'kube/burst0/podfresh'],
        [(rel) => inside(rel).length === 0, 'svcx/fresh'],
      ];
      const expected = new Map([
        ['svc', 0],
        ['pods', 0],
      ]);
      let ooms = 0;
      let outside = 0;
      await withEngine(rules, async (engine) => {
        const live = new Set<string>();
        for (let i = 0; i < 500; i++) {
          const rel = (shapes[random(shapes.length)] as (i: number) => string)(i);
          make(s, rel);
          live.add(rel);
          // now and then a whole prefix goes and comes back, as a restarted service's does
          if (i % 100 === 50) {
            for (const top of ['svc', 'kube']) {
              if (!fs.existsSync(path.join(s.scratch.dir, top))) continue;
              removeTree(path.join(s.scratch.dir, top));
              for (const l of [...live]) if (l.startsWith(`${top}/`)) live.delete(l);
            }
          }
          // every 25: an OOM in a leaf made that instant below one of the live cgroups
          if (i % 25 === 24) {
            const [fits, fallback] = turns[ooms % turns.length] as [(rel: string) => boolean, string];
            const candidates = [...live].filter(fits);
            const leaf = `${candidates.length > 0 ? (candidates[random(candidates.length)] as string) : fallback}/oom${i}`;
            oomAt(s, make(s, leaf));
            ooms++;
            const hits = inside(leaf);
            if (hits.length === 0) outside++;
            for (const r of hits) expected.set(r, (expected.get(r) ?? 0) + 1);
            fs.rmdirSync(path.join(s.scratch.dir, leaf));
          }
          // and most cgroups go again soon, as churn does
          if (random(3) === 0 && live.size > 0) {
            const gone = [...live][random(live.size)] as string;
            const dir = path.join(s.scratch.dir, gone);
            if (fs.existsSync(dir)) removeTree(dir);
            for (const l of [...live]) if (l === gone || l.startsWith(`${gone}/`)) live.delete(l);
          }
        }
        for (const [rule, want] of expected) {
          await ruleStatsFor(engine, rule, (r) => r.kernelMatched >= want, WAIT_MS).catch(() => undefined);
        }
        const stats = (await engine.stop()).evaluator.perRule;
        t.diagnostic(`${ooms} OOMs: ${expected.get('svc')} under svc, ${expected.get('pods')} in pods, ${outside} outside both`);
        for (const [rule, want] of expected) {
          assert.equal(stats.get(rule)?.kernelMatched, want, `${rule}: records the kernel sent`);
          assert.equal(stats.get(rule)?.matched, want, `${rule}: OOMs that reached the rule`);
        }
        assert.ok((expected.get('svc') ?? 0) > 0 && (expected.get('pods') ?? 0) > 0 && outside > 0, 'OOMs landed inside both globs and outside');
      });
    });
  },
);

/** `n` forks from a shell that first moves itself into the v2 cgroup `dir`. */
function forksIn(dir: string, n: number): void {
  const r = spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && for i in $(seq ${n}); do /bin/true; done`], { timeout: 30_000 });
  assert.equal(r.status, 0, `forks in ${dir}: ${r.stderr?.toString()}`);
}

test(
  'an except glob is decided in the kernel: forks in excluded cgroups, made before the rules or after, send nothing',
  { skip: SKIP, timeout: 120_000 },
  async () => {
    await withScratch(async (s) => {
      const before = make(s, 'build-1');
      const app = make(s, 'app');
      const rules = `rule "forks" { when process.fork and cgroup matches "${s.scratch.path}/**" except cgroup matches "${s.scratch.path}/build*/**" then stdout }`;
      await withEngine(rules, async (engine) => {
        forksIn(before, 5);
        forksIn(make(s, 'build-2/deep'), 5); // created after the rules: stepped by the kernel on mkdir
        forksIn(app, 3);
        await ruleStatsFor(engine, 'forks', (r) => r.matched >= 3, WAIT_MS);
        const final = await engine.stop();
        const stats = final.evaluator.perRule.get('forks');
        // only the app's 3 forks (from its shell, plus the `seq` it runs) left the kernel
        assert.ok(stats && stats.kernelMatched >= 3 && stats.kernelMatched <= 4, `kernel sent ${stats?.kernelMatched} records, the app forked 3 or 4 times`);
        assert.equal(stats.matched, stats.kernelMatched, 'userspace agreed with every record the kernel sent');
      });
      // the cgroups are left empty for withScratch's removal: the shells have exited
    });
  },
);
