/**
 * How long an OOM kill takes to become an alert: from the kernel's timestamp
 * of the mark_victim tracepoint to the engine raising the notice (before any
 * notifier), over OOM kills in scratch cgroups, one rule per cgroup so that
 * each kill raises its own first notice. The promise is "within a second";
 * this prints the figures instead of asserting them in a test.
 *
 *   OOMS=20 node dist/bench/alert_latency.js
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { checkRuleSources } from '../src/dsl';
import { discoverHierarchies } from '../src/events/cgroup_paths';
import { LiveEngine } from '../src/live/live_engine';

const OOMS = Math.min(Number(process.env.OOMS ?? 20), 20); // 20 globs of 3 states fill the kernel's 64

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const v2 = discoverHierarchies().find((h) => h.id === 0)?.mountPoint;
  const v1memory = discoverHierarchies().find((h) => h.name.split(',').includes('memory'))?.mountPoint;
  if (process.getuid?.() !== 0 || !v2) {
    console.log('alert_latency: skipped, needs root and cgroup v2');
    return;
  }
  const name = `kw-bench-latency-${process.pid}`;
  const scratch = path.join(v2, name);
  const memcg = v1memory ? path.join(v1memory, name) : undefined;
  fs.mkdirSync(scratch);
  if (memcg) fs.mkdirSync(memcg);
  const latencies: number[] = [];
  try {
    if (!memcg) fs.writeFileSync(path.join(scratch, 'cgroup.subtree_control'), '+memory');
    const text = Array.from({ length: OOMS }, (_, i) => `rule "r${i}" { when oom.victim and cgroup matches "/${name}/r${i}/**" then stdout }`).join('\n');
    const rules = checkRuleSources([{ file: 'bench.rules', text }]).rules;
    const engine = LiveEngine.start(rules, {
      host: 'bench',
      onNotice: (n) => {
        if (n.change === 'firing') latencies.push(Date.now() - n.alert.startsAt);
      },
    });
    try {
      for (let i = 0; i < OOMS; i++) {
        const dir = path.join(scratch, `r${i}`);
        fs.mkdirSync(dir);
        const limit = memcg ? `echo 32M > ${memcg}/memory.limit_in_bytes && echo $$ > ${memcg}/cgroup.procs && ` : `echo 32M > ${dir}/memory.max && `;
        spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && ${limit}exec dd if=/dev/zero of=/dev/null bs=128M count=1`], { timeout: 30_000 });
        const deadline = Date.now() + 5_000;
        while (latencies.length <= i && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      }
    } finally {
      await engine.stop();
    }
  } finally {
    for (let i = 0; i < OOMS; i++) if (fs.existsSync(path.join(scratch, `r${i}`))) fs.rmdirSync(path.join(scratch, `r${i}`));
    fs.rmdirSync(scratch);
    if (memcg) fs.rmdirSync(memcg);
  }
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`alert latency, OOM kill (kernel timestamp) to notice raised, ${sorted.length} of ${OOMS} kills:`);
  const ms = (n: number | undefined): string => `${(n ?? NaN).toFixed(1)} ms`;
  console.log(`  median ${ms(quantile(sorted, 0.5))}, p95 ${ms(quantile(sorted, 0.95))}, max ${ms(sorted[sorted.length - 1])}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
