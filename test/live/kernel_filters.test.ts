/**
 * The kernel tier on the live kernel: records no rule wants never reach
 * userspace, cgroups created after load inherit their parent's rules at once,
 * thresholds are decided in the kernel, counted rules are aggregated there,
 * and a new rule set takes over with one flip.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { eventByName } from '../../src/events/catalog';
import type { KernelEvent } from '../../src/events/event';
import { recordLayout } from '../../src/events/layout';
import type { EventSpec } from '../../src/events/types';
import { entriesForTree, GlobStateBuilder } from '../../src/kernel/cgroup_globs';
import { cgroupKey } from '../../src/kernel/filter_maps';
import { LIMITS } from '../../src/kernel/limits';
import { offsetOf } from '../../src/kernel/c_layout';
import { MAP_STRUCTS, perCpuStride } from '../../src/kernel/map_layouts';
import { CgroupPaths } from '../../src/events/cgroup_paths';
import { KernelCounts } from '../../src/live/kernel_counts';
import { kindFilter, ruleSetOf, type KernelRuleSet } from '../../src/kernel/kernel_rule_set';
import { KernelSession } from '../../src/live/session';
import { sleep } from '../support/bounded';
import { runNamed } from '../support/named_process';
import { NEEDS_ROOT } from '../support/root';
import { ScratchCgroup, v2Unavailable } from '../support/scratch_cgroup';

const FORK = eventByName('process.fork') as EventSpec;
const EXIT = eventByName('process.exit') as EventSpec;
const bit = (rule: number): bigint => 1n << BigInt(rule);
const SKIP = NEEDS_ROOT || v2Unavailable();
const COUNT_STRIDE = perCpuStride(MAP_STRUCTS.kw_count.size);

const kind = kindFilter;

const ruleSet = ruleSetOf;

async function withSession(
  events: readonly string[],
  set: KernelRuleSet,
  body: (session: KernelSession, seen: KernelEvent[]) => Promise<void> | void,
): Promise<void> {
  const seen: KernelEvent[] = [];
  const session = KernelSession.start({ events, ruleSet: set, onEvents: (b) => seen.push(...b) });
  try {
    await body(session, seen);
  } finally {
    await session.stop();
    session.close();
  }
}

test('with a rule that matches nothing, a thousand fork+exec+exit deliver zero records', { skip: SKIP }, async () => {
  const set = ruleSet({
    kinds: new Map([
      [FORK.kind, kind(bit(0), { byComm: bit(0) })],
      [EXIT.kind, kind(bit(0), { byComm: bit(0) })],
    ]),
    comms: new Map([['no-such-comm', { accept: bit(0), reject: 0n }]]),
  });
  await withSession(['process.fork', 'process.exit'], set, async (session, seen) => {
    const loop = spawnSync('sh', ['-c', 'i=0; while [ $i -lt 1000 ]; do /bin/true; i=$((i+1)); done'], { timeout: 120_000 });
    assert.equal(loop.status, 0);
    await session.stop();
    const forks = session.counters().get('process.fork');
    assert.ok(forks && forks.seen >= 1000, `kernel saw the forks (${forks?.seen})`);
    assert.equal(forks.sent, 0);
    assert.equal(forks.filtered, forks.seen);
    assert.equal(seen.length, 0);
  });
});

test('comm and uid filters pass only the rules whose values match, and say which', { skip: SKIP }, async () => {
  const set = ruleSet({
    kinds: new Map([[FORK.kind, kind(bit(0) | bit(1) | bit(2), { byComm: bit(0) | bit(1), byUid: bit(2) })]]),
    comms: new Map([['kw-yes', { accept: bit(0), reject: 0n }]]),
    uids: new Map([[4242, bit(2)]]),
  });
  await withSession(['process.fork'], set, async (session, seen) => {
    runNamed('kw-yes', 'import os\npid = os.fork()\nos._exit(0) if pid == 0 else os.waitpid(pid, 0)');
    runNamed('kw-no', 'import os\npid = os.fork()\nos._exit(0) if pid == 0 else os.waitpid(pid, 0)');
    await session.stop();
    assert.deepEqual(
      seen.map((e) => [e.fields.comm, e.rules]),
      [['kw-yes', bit(0)]],
    );
  });
});

test('a comm exception refuses the rule in the kernel for that comm only, beside a rule that wants it', { skip: SKIP }, async () => {
  // rule 0: every fork except kw-skip's; rule 1: only kw-skip's
  const set = ruleSet({
    kinds: new Map([[FORK.kind, kind(bit(0) | bit(1), { exceptComm: bit(0), byComm: bit(1) })]]),
    comms: new Map([['kw-skip', { accept: bit(1), reject: bit(0) }]]),
  });
  await withSession(['process.fork'], set, async (session, seen) => {
    runNamed('kw-skip', 'import os\npid = os.fork()\nos._exit(0) if pid == 0 else os.waitpid(pid, 0)');
    runNamed('kw-keep', 'import os\npid = os.fork()\nos._exit(0) if pid == 0 else os.waitpid(pid, 0)');
    await session.stop();
    const ours = seen.filter((e) => e.fields.comm === 'kw-skip' || e.fields.comm === 'kw-keep');
    assert.deepEqual(
      ours.map((e) => [e.fields.comm, e.rules]),
      [
        ['kw-skip', bit(1)],
        ['kw-keep', bit(0)],
      ],
    );
  });
});

test('comm prefix and suffix patterns accept and refuse rules in the kernel, at every comm length', { skip: SKIP }, async () => {
  // rule 0: comms starting kw-pre; rule 1: comms ending -wkr; rule 2: every fork except comms ending -skip
  const set = ruleSet({
    kinds: new Map([[FORK.kind, kind(bit(0) | bit(1) | bit(2), { byComm: bit(0) | bit(1), exceptComm: bit(2) })]]),
    commPatterns: [
      { match: 'prefix', text: 'kw-pre', accept: bit(0), reject: 0n },
      { match: 'suffix', text: '-wkr', accept: bit(1), reject: 0n },
      { match: 'suffix', text: '-skip', accept: 0n, reject: bit(2) },
    ],
  });
  const comms = ['kw-pre-a', 'kw-pre-skip', 'build-wkr', 'abcdefghijk-wkr', 'wkr', 'kw-pr', 'kw-other'];
  const fork = 'import os\npid = os.fork()\nos._exit(0) if pid == 0 else os.waitpid(pid, 0)';
  await withSession(['process.fork'], set, async (session, seen) => {
    for (const comm of comms) runNamed(comm, fork);
    await session.stop();
    const ours = seen.filter((e) => comms.includes(e.fields.comm as string));
    assert.deepEqual(
      ours.map((e) => [e.fields.comm, e.rules]),
      [
        ['kw-pre-a', bit(0) | bit(2)],
        ['kw-pre-skip', bit(0)],
        ['build-wkr', bit(1) | bit(2)],
        ['abcdefghijk-wkr', bit(1) | bit(2)],
        ['wkr', bit(2)],
        ['kw-pr', bit(2)],
        ['kw-other', bit(2)],
      ],
    );
  });
});

test("a cgroup created after the rules were loaded inherits its parent's rules at once", { skip: SKIP }, async () => {
  const parent = ScratchCgroup.v2();
  try {
    // rule 0: "/parent/**"; rule 1: "/parent/*" (children only); rule 2: exactly "/parent"
    const globs = new GlobStateBuilder();
    globs.add(`${parent.path}/**`, bit(0));
    globs.add(`${parent.path}/*`, bit(1));
    globs.add(parent.path, bit(2));
    const set = ruleSet({
      kinds: new Map([[EXIT.kind, kind(bit(0) | bit(1) | bit(2), { byCgroup: bit(0) | bit(1) | bit(2) })]]),
      globStates: globs.states(),
      globRoot: globs.rootEntry(),
    });
    await withSession(['process.exit'], set, async (session, seen) => {
      // made after load, so only the kernel's inheritance can give them rules
      const child = path.join(parent.dir, 'late');
      const grandchild = path.join(child, 'deeper');
      fs.mkdirSync(child);
      fs.mkdirSync(grandchild);
      const exitIn = (dir: string): number => {
        const r = spawnSync('sh', ['-c', `echo $$ > ${dir}/cgroup.procs && exec /bin/true`]);
        assert.equal(r.status, 0);
        return r.pid;
      };
      const inParent = exitIn(parent.dir);
      const inChild = exitIn(child);
      const inGrandchild = exitIn(grandchild);
      spawnSync('/bin/true'); // outside: no rule
      await session.stop();
      const rulesOf = (pid: number): bigint | undefined => seen.find((e) => e.fields.pid === pid)?.rules;
      assert.equal(rulesOf(inParent), bit(0) | bit(2));
      assert.equal(rulesOf(inChild), bit(0) | bit(1));
      assert.equal(rulesOf(inGrandchild), bit(0));
      assert.ok(
        seen.every((e) => e.fields.cgroup !== '/'),
        'nothing from outside the scratch cgroup',
      );
    });
  } finally {
    await parent.remove();
  }
});

test('numeric thresholds on record fields are decided in the kernel', { skip: SKIP }, async () => {
  const exitCode = recordLayout(EXIT).members.find((m) => m.c === 'exit_code');
  assert.ok(exitCode);
  const set = ruleSet({
    kinds: new Map([[EXIT.kind, kind(bit(5), { byThreshold: bit(5), byComm: bit(5) })]]),
    comms: new Map([['sh', { accept: bit(5), reject: 0n }]]),
    thresholds: [{ kind: EXIT.kind, offset: exitCode.offset, size: 4, signed: true, cmp: 'ge', rule: 5, value: 3n << 8n }],
  });
  await withSession(['process.exit'], set, async (session, seen) => {
    for (const status of [0, 2, 3, 7]) spawnSync('sh', ['-c', `exit ${status}`]);
    await session.stop();
    assert.deepEqual(seen.map((e) => e.fields.exit_status).sort(), [3, 7]);
  });
});

test('a counted rule is aggregated per group in the kernel and sends no records', { skip: SKIP }, async () => {
  const set = ruleSet({
    kinds: new Map([[FORK.kind, kind(bit(3), { counted: bit(3), byComm: bit(3) })]]),
    comms: new Map([['kw-counted', { accept: bit(3), reject: 0n }]]),
    aggregates: new Map([[3, { groupBy: 'tgid' as const }]]),
  });
  await withSession(['process.fork'], set, async (session, seen) => {
    runNamed('kw-counted', 'import os\nfor _ in range(300):\n    pid = os.fork()\n    os._exit(0) if pid == 0 else os.waitpid(pid, 0)');
    await session.stop();
    const { keys, values, count } = session.bpf.entries('counts');
    const counted: Array<[number, bigint, number]> = [];
    for (let i = 0; i < count; i++) {
      const key = keys.subarray(i * 16, (i + 1) * 16);
      const perCpu = values.subarray((i * values.length) / count, ((i + 1) * values.length) / count);
      let total = 0;
      for (let c = 0; c < perCpu.length; c += COUNT_STRIDE) total += Number(perCpu.readBigUInt64LE(c));
      counted.push([key.readUInt32LE(0), key.readBigUInt64LE(8), total]);
    }
    assert.equal(
      counted.length,
      1,
      JSON.stringify(counted, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    );
    assert.equal(counted[0]?.[0], 3);
    assert.equal(counted[0]?.[2], 300);
    assert.equal(seen.length, 0);
    assert.equal(session.counters().get('process.fork')?.sent, 0);
  });
});

test('a counted rule can sum a record field in the kernel', { skip: SKIP }, async () => {
  const status = recordLayout(EXIT).members.find((m) => m.c === 'exit_status');
  assert.ok(status);
  const set = ruleSet({
    kinds: new Map([[EXIT.kind, kind(bit(4), { counted: bit(4), byComm: bit(4) })]]),
    comms: new Map([['kw-sum', { accept: bit(4), reject: 0n }]]),
    aggregates: new Map([[4, { groupBy: 'none' as const, sum: { offset: status.offset, size: 4 as const, signed: true, scale: 1, field: 'exit_status' } }]]),
  });
  await withSession(['process.exit'], set, async (session) => {
    for (let code = 1; code <= 10; code++) runNamed('kw-sum', `import os\nos._exit(${code})`, code);
    await session.stop();
    const { count, values: perCpu } = session.bpf.entries('counts');
    assert.equal(count, 1, 'one group');
    let events = 0n;
    let sum = 0n;
    for (let c = 0; c < perCpu.length; c += COUNT_STRIDE) {
      events += perCpu.readBigUInt64LE(c);
      sum += perCpu.readBigUInt64LE(c + offsetOf(MAP_STRUCTS.kw_count, 'sum'));
    }
    assert.equal(events, 10n);
    assert.equal(sum, 55n);
  });
});

/** Rule 5 keeps the largest exit status of `comm`'s exits in the kernel; a reader of its counts. */
function maxExitStatus(comm: string): { set: KernelRuleSet; counter: (session: KernelSession) => KernelCounts } {
  const status = recordLayout(EXIT).members.find((m) => m.c === 'exit_status');
  assert.ok(status);
  const max = { offset: status.offset, size: 4 as const, signed: true, scale: 1, field: 'exit_status' };
  const set = ruleSet({
    kinds: new Map([[EXIT.kind, kind(bit(5), { counted: bit(5), byComm: bit(5) })]]),
    comms: new Map([[comm, { accept: bit(5), reject: 0n }]]),
    aggregates: new Map([[5, { groupBy: 'none' as const, max }]]),
  });
  const counter = (session: KernelSession): KernelCounts => {
    const counts = new KernelCounts(session.bpf, CgroupPaths.forHost());
    counts.setAggregates(0, set.aggregates);
    return counts;
  };
  return { set, counter };
}

test('a counted rule keeps the largest value of a field in the kernel, for each read interval', { skip: SKIP }, async () => {
  const { set, counter } = maxExitStatus('kw-max');
  await withSession(['process.exit'], set, (session, seen) => {
    const counts = counter(session);
    const tick = (): Array<[number, number | undefined]> => (counts.read(counts.step()).get(0) ?? []).map((d) => [d.n, d.max]);
    for (const code of [3, 9, 5]) runNamed('kw-max', `import os\nos._exit(${code})`, code);
    assert.deepEqual(tick(), [[3, 9]]);
    for (const code of [2, 1]) runNamed('kw-max', `import os\nos._exit(${code})`, code);
    assert.deepEqual(tick(), [[2, 2]], 'the next interval starts its max again');
    assert.deepEqual(tick(), [], 'nothing new: nothing to say');
    assert.equal(seen.length, 0, 'counted: no records');
  });
});

test('under a steady stream of events every tick reports its max, and the largest value is not lost', { skip: SKIP }, async () => {
  const { set, counter } = maxExitStatus('kw-steady');
  // about 10 s on a quiet machine, a minute or two in an emulated guest
  const EXITS = 1000;
  await withSession(['process.exit'], set, async (session) => {
    const counts = counter(session);
    const script = `import ctypes, os\nctypes.CDLL(None).prctl(15, b"kw-steady", 0, 0, 0)\nfor i in range(${EXITS}):\n    pid = os.fork()\n    if pid == 0: os._exit(9 if i == ${EXITS / 2} else 1 + i % 5)\n    os.waitpid(pid, 0)`;
    const child = spawn('python3', ['-c', script], { stdio: 'ignore' });
    const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const ticks: Array<{ n: number; max: number | undefined }> = [];
    let running = true;
    void done.then(() => (running = false));
    const deadline = Date.now() + 300_000;
    try {
      // ticks while the exits keep coming, as the agent's would
      while (running && Date.now() < deadline) {
        for (const d of counts.read(counts.step()).get(0) ?? []) ticks.push({ n: d.n, max: d.max });
        await sleep(50);
      }
      assert.equal(running, false, 'the exits finished within 300 s');
    } finally {
      child.kill('SIGKILL');
      await done;
    }
    for (const d of counts.read(counts.step()).get(0) ?? []) ticks.push({ n: d.n, max: d.max });
    const total = ticks.reduce((a, t) => a + t.n, 0);
    assert.ok(ticks.length >= 3, `${ticks.length} ticks reported`);
    // the children exit with 1..5 and one 9; the python parent, named the same, with 0
    assert.ok(ticks.every((t) => t.max !== undefined && t.max >= 0 && t.max <= 9));
    assert.equal(Math.max(...ticks.map((t) => t.max ?? 0)), 9, 'the one exit with 9 is the max of its tick');
    assert.ok(total >= EXITS * 0.99 && total <= EXITS + 1, `${total} of ${EXITS + 1} exits counted with their tick`);
  });
});

test('installing a new rule set switches every later event to it at once', { skip: SKIP }, async () => {
  const first = ruleSet({
    kinds: new Map([[FORK.kind, kind(bit(0), { byComm: bit(0) })]]),
    comms: new Map([['kw-gen', { accept: bit(0), reject: 0n }]]),
  });
  const second = ruleSet({
    kinds: new Map([[FORK.kind, kind(bit(1), { byComm: bit(1) })]]),
    comms: new Map([['kw-gen', { accept: bit(1), reject: 0n }]]),
  });
  const forkOnce = 'import os\npid = os.fork()\nos._exit(0) if pid == 0 else os.waitpid(pid, 0)';
  await withSession(['process.fork'], first, async (session, seen) => {
    runNamed('kw-gen', forkOnce);
    const generation = await session.filters.install(second);
    assert.equal(generation, 1);
    runNamed('kw-gen', forkOnce);
    await session.filters.install(first);
    runNamed('kw-gen', forkOnce);
    await session.stop();
    assert.deepEqual(
      seen.map((e) => e.rules),
      [bit(0), bit(1), bit(0)],
    );
    // the old generation was cleared: only the active one has entries
    assert.equal(session.bpf.entries('comm_rules').count, 1);
    assert.ok(LIMITS.KW_KIND_MAX > 21);
  });
});

test('the kernel steps cgroups created after load exactly as the model of it does', { skip: SKIP }, async () => {
  const scratch = ScratchCgroup.v2();
  try {
    const globs = new GlobStateBuilder();
    const base = scratch.path;
    [`${base}/svc/**`, `${base}/kube/*/pod*/**`, `${base}/a*`, `${base}/*/x`, `${base}/**/deep`, `${base}/*.svc/**`, `${base}/q/*-db`].forEach((g, i) =>
      globs.add(g, bit(i)),
    );
    const set = ruleSet({
      kinds: new Map([[EXIT.kind, kind(bit(0), { byCgroup: bit(0) })]]),
      globStates: globs.states(),
      globRoot: globs.rootEntry(),
    });
    // suffixes on names longer than the kernel's 64-byte segment buffer too: it reads their last bytes
    const long = 'n'.repeat(100);
    const made = [
      ...['svc/a/b', 'kube/b1/pod1/c', 'kube/b1/other', 'kube/pod2', 'ab', 'abc/x', 'q/x', 'q/y/deep', 'deep', 'r/s/t/deep/u'],
      ...['api.svc/x', `${long}.svc`, 'svcx', 'a.svcx', 'q/main-db', `q/${long}-db`, 'q/db', `q/${long}-dbx`],
    ];
    await withSession(['process.exit'], set, async (session) => {
      for (const rel of made) fs.mkdirSync(path.join(scratch.dir, rel), { recursive: true });
      const tree: Array<[bigint, string]> = [];
      const walk = (rel: string): void => {
        const dir = path.join(scratch.dir, rel);
        tree.push([fs.statSync(dir, { bigint: true }).ino, path.posix.join(base, rel)]);
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) walk(path.posix.join(rel, e.name));
      };
      walk('');
      const model = entriesForTree(set.globStates, set.globRoot, tree);
      const generation = session.filters.active;
      for (const [id, p] of tree) {
        const value = session.bpf.lookup('cgroup_rules', cgroupKey(id, generation));
        const kernel = value ? { match: value.readBigUInt64LE(0), reject: value.readBigUInt64LE(8), states: value.readBigUInt64LE(16) } : undefined;
        assert.deepEqual(kernel, model.get(id), `entry of ${p}`);
      }
      assert.ok([...model.values()].filter((e) => e.match !== 0n).length >= 8, 'most of the tree matches some glob');
      await session.stop();
    });
  } finally {
    await scratch.remove();
  }
});
