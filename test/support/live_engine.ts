/**
 * Rules running on the live kernel for a test body: the engine, the notices
 * it raised, and OOM kills placed in a v2 cgroup (the path rules match) with
 * the memory limit where this host keeps it (v1 memory on hybrid hosts).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LiveEngine } from '../../src/live/live_engine';
import type { RuleStats } from '../../src/engine/evaluator';
import type { AlertNotice } from '../../src/engine/rule_state';
import { rulesFrom } from '../engine/helpers';
import { sleep } from './bounded';

export async function withEngine(rules: string, body: (engine: LiveEngine, notices: AlertNotice[]) => Promise<void>): Promise<void> {
  const notices: AlertNotice[] = [];
  const engine = LiveEngine.start(rulesFrom(rules), { host: 'test', onNotice: (n) => notices.push(n) });
  let stopped = false;
  try {
    await body(engine, notices);
    stopped = true;
  } finally {
    if (!stopped) await engine.stop().catch(() => undefined);
  }
}

/** Waits up to `ms` for a notice matching `want`. */
export async function noticeFor(notices: AlertNotice[], want: (n: AlertNotice) => boolean, ms: number): Promise<AlertNotice> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const hit = notices.find(want);
    if (hit) return hit;
    await sleep(20);
  }
  throw new Error(`no matching notice within ${ms} ms; got: ${notices.map((n) => `${n.change} ${n.alert.rule}`).join(', ') || 'none'}`);
}

/** Waits up to `ms` for rule `rule`'s counters to satisfy `want`; returns them. */
export async function ruleStatsFor(engine: LiveEngine, rule: string, want: (s: RuleStats) => boolean, ms: number): Promise<RuleStats> {
  const deadline = Date.now() + ms;
  let last: RuleStats | undefined;
  while (Date.now() < deadline) {
    last = engine.stats().evaluator.perRule.get(rule);
    if (last && want(last)) return last;
    await sleep(20);
  }
  throw new Error(`rule ${rule} counters never became right within ${ms} ms: ${JSON.stringify(last)}`);
}

/**
 * Runs an allocator in the v2 cgroup `v2dir` (32 MiB limit: the v1 memcg
 * `v1memcg` on hybrid hosts, else the cgroup's own memory.max, for which
 * every ancestor below the root must have +memory) and returns its pid once
 * it was OOM-killed.
 */
export function oomIn(v2dir: string, v1memcg: string | undefined): number {
  const limit = v1memcg ? `echo 32M > ${v1memcg}/memory.limit_in_bytes && echo $$ > ${v1memcg}/cgroup.procs && ` : `echo 32M > ${v2dir}/memory.max && `;
  const r = spawnSync('sh', ['-c', `echo $$ > ${v2dir}/cgroup.procs && ${limit}exec dd if=/dev/zero of=/dev/null bs=128M count=1`], { timeout: 30_000 });
  assert.equal(r.signal ?? r.status, 'SIGKILL', `the allocator in ${v2dir} was OOM-killed`);
  return r.pid;
}

/** Enables the memory controller from `top` down to `dir`'s parent, for oomIn() on a v2-only host. */
export function enableMemoryDown(top: string, dir: string): void {
  const rel = path.relative(top, path.dirname(dir));
  let at = top;
  for (const part of ['', ...(rel === '' ? [] : rel.split(path.sep))]) {
    at = part === '' ? at : path.join(at, part);
    const control = path.join(at, 'cgroup.subtree_control');
    if (!fs.readFileSync(control, 'utf8').split(/\s+/).includes('memory')) fs.writeFileSync(control, '+memory');
  }
}
