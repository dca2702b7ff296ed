/**
 * The kernel path (the compiler's KernelRuleSet run by the kernel simulator,
 * in-kernel counts for counted windows, rule bits on records) must raise
 * exactly the alerts of the straightforward evaluator that checks every event
 * against every rule in userspace.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { describeNotice } from '../../src/engine/expectations';
import { replay } from '../../src/engine/replay';
import type { KernelEvent } from '../../src/events/event';
import { ev, rulesFrom } from './helpers';

const RULES = `
rule "prod-oom" {
  when oom.victim and cgroup matches "/prod/**" and anon_rss > 100MiB
  except comm in ["backup"]
  summary "{count} kills, last {comm} ({pid}) in {cgroup}"
  cooldown 30s
  then stdout
}
rule "fork-storm" {
  when count(process.fork) > 40 within 2s by cgroup
  for 1s
  keep firing for 1s
  summary "{value} forks in {cgroup}"
  then stdout
}
rule "build-forks" {
  when count(process.fork and comm == "make") > 30 within 1s
  summary "{value} make forks"
  then stdout
}
rule "root-exits" {
  when count(process.exit and uid == 0 and exit_status >= 2) > 5 within 1s by tgid
  summary "{value} failing exits in {tgid}"
  then stdout
}
rule "drains" {
  when rate(mem.pcpu_drain) > 100 within 1s
  summary "{value}/s"
  then stdout
}
rule "drain-orders" {
  when sum(mem.pcpu_drain.order and cgroup matches "/prod/**") > 30 within 1s by cgroup
  summary "{value} order sum in {cgroup}"
  then stdout
}
rule "drain-max-order" {
  when max(mem.pcpu_drain.order) > 2 within 1s by cgroup
  summary "order {value} in {cgroup}"
  then stdout
}
rule "worst-exit" {
  when max(process.exit.exit_status and uid == 0) >= 3 within 2s by tgid
  summary "exit {value} in {tgid}"
  then stdout
}
rule "compaction-failures" {
  when sum(migrate.pages.failed and reason == compaction) > 50 within 3s
  summary "{value} failed"
  then stdout
}
rule "young-kills" {
  when process.newtask followed by process.exit and signal == 9 within 1s by pid
  summary "{comm} {pid}"
  then stdout
}
rule "frozen" {
  when cgroup.freeze not followed by cgroup.unfreeze within 2s by cgroup
  summary "{cgroup}"
  then stdout
}
`;

/** Deterministic pseudo-random numbers (mulberry32). */
function prng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const CGROUPS: Array<[string, bigint]> = [
  ['/prod/api', 10n],
  ['/prod/db', 11n],
  ['/staging/api', 12n],
  ['/', 1n],
];
const COMMS = ['make', 'java', 'backup', 'sh', 'python3'];

function stream(seed: number, n: number): KernelEvent[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
  const out: KernelEvent[] = [];
  let t = 1000;
  let nextPid = 1000;
  const late: Array<[string, bigint]> = [];
  for (let i = 0; i < n; i++) {
    t += Math.floor(r() * 40);
    const [cgroup, cgroup_id] = r() < 0.2 && late.length > 0 ? pick(late) : pick(CGROUPS);
    const base = { cgroup, cgroup_id, comm: pick(COMMS), uid: r() < 0.7 ? 0 : 1000, tgid: 100 + Math.floor(r() * 4) };
    const kind = r();
    if (kind < 0.45) out.push(ev('process.fork', t, { ...base, pid: base.tgid, child_pid: nextPid++, child_tgid: nextPid, child_comm: base.comm }));
    else if (kind < 0.6) {
      const status = Math.floor(r() * 4);
      const signal = r() < 0.3 ? 9 : 0;
      out.push(
        ev('process.exit', t, {
          ...base,
          pid: nextPid - 1,
          exit_code: signal || status << 8,
          exit_status: signal ? 0 : status,
          signal,
          group_dead: true,
          prio: 120,
        }),
      );
    } else if (kind < 0.7) out.push(ev('process.newtask', t, { ...base, pid: nextPid - 1, clone_flags: 17, oom_score_adj: 0 }));
    else if (kind < 0.8) out.push(ev('mem.pcpu_drain', t, { ...base, pfn: Math.floor(r() * 1e6), order: Math.floor(r() * 4), migratetype: 1 }));
    else if (kind < 0.85) {
      const failed = Math.floor(r() * 20);
      out.push(
        ev('migrate.pages', t, {
          ...base,
          succeeded: 5,
          failed,
          thp_succeeded: 0,
          thp_failed: 0,
          thp_split: 0,
          large_folio_split: 0,
          mode: 'async',
          reason: r() < 0.7 ? 'compaction' : 'numa_misplaced',
        }),
      );
    } else if (kind < 0.9) {
      const kb = Math.floor(r() * 300 * 1024);
      out.push(
        ev('oom.victim', t, {
          ...base,
          pid: nextPid - 1,
          anon_rss: kb * 1024,
          total_vm: kb * 2048,
          file_rss: 0,
          shmem_rss: 0,
          pgtables: 4096,
          oom_score_adj: 0,
          trigger_pid: 1,
          trigger_comm: 'x',
        }),
      );
    } else if (kind < 0.93 && late.length < 3) {
      const created: [string, bigint] = [`/prod/new${late.length}`, 50n + BigInt(late.length)];
      late.push(created);
      out.push(ev('cgroup.mkdir', t, { ...base, cgroup: created[0], cgroup_id: created[1], hierarchy: 'unified', level: 2 }));
    } else {
      const name = r() < 0.6 ? 'cgroup.freeze' : 'cgroup.unfreeze';
      out.push(ev(name, t, { ...base, hierarchy: 'unified', level: 2 }));
    }
  }
  return out;
}

for (const seed of [1, 2, 3, 4, 5]) {
  test(`kernel path and userspace reference raise identical alerts (stream seed ${seed})`, () => {
    const rules = rulesFrom(RULES);
    const events = stream(seed, 6000);
    const kernelPath = replay(rules, events, { host: 'h', untilMs: 5000 });
    const reference = replay(rules, events, { host: 'h', untilMs: 5000, reference: true });
    assert.deepEqual(
      kernelPath.notices.map((n) => describeNotice(n)),
      reference.notices.map((n) => describeNotice(n)),
    );
    assert.deepEqual(kernelPath.notices, reference.notices);
    assert.ok(reference.notices.length >= 5, `the stream exercises the rules (${reference.notices.length} notices)`);
    assert.ok(kernelPath.counted > 0, 'some events were counted in the kernel');
    const fired = new Set(reference.notices.map((n) => n.alert.rule));
    for (const rule of ['drain-max-order', 'worst-exit']) assert.ok(fired.has(rule), `${rule}, a max counted in the kernel, fires`);
    assert.ok(kernelPath.sent < events.length, `the kernel dropped events no rule wants (${kernelPath.sent} of ${events.length} sent)`);
  });
}
