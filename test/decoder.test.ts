/**
 * Decoder behaviour on hand-built records. Offsets here are written out from
 * bpf/kernwatch.h by hand, independently of src/events/layout.ts.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { CgroupPaths } from '../src/events/cgroup_paths';
import { Decoder } from '../src/events/decoder';
import type { KernelEvent } from '../src/events/event';
import { eventToJson } from '../src/events/event';

interface HeaderInit {
  kind: number;
  size: number;
  cgroupId?: bigint;
  pid?: number;
  comm?: string | Buffer;
  flags?: number;
}

function record(h: HeaderInit): Buffer {
  const b = Buffer.alloc(h.size);
  b.writeUInt16LE(h.kind, 0);
  b.writeUInt16LE(h.size, 2);
  b.writeUInt16LE(1, 4); // cpu
  b.writeUInt16LE(h.flags ?? 0, 6);
  b.writeBigUInt64LE(5_000_000_000n, 8); // 5 s after boot
  b.writeBigUInt64LE(h.cgroupId ?? 1n, 16);
  b.writeUInt32LE(h.pid ?? 100, 24);
  b.writeUInt32LE(h.pid ?? 100, 28);
  b.writeUInt32LE(1000, 32);
  b.writeBigUInt64LE(0b101n, 56); // rules
  (typeof h.comm === 'string' ? Buffer.from(h.comm) : (h.comm ?? Buffer.from('bash'))).copy(b, 40, 0, 16);
  return b;
}

function paths(): CgroupPaths {
  const p = new CgroupPaths(
    [
      { id: 0, name: 'unified', mountPoint: '/nonexistent/unified' },
      { id: 4, name: 'memory', mountPoint: '/nonexistent/memory' },
      { id: 2, name: 'cpu,cpuacct', mountPoint: '/nonexistent/cpu' },
    ],
    () => 0,
  );
  p.learn(0, 1n, '/');
  p.learn(0, 77n, '/prod/api');
  p.learn(4, 9n, '/prod/api-memcg');
  return p;
}

function decodeAll(batch: Buffer, decoder = new Decoder(paths(), { wallOffsetMs: 1_000_000 })): KernelEvent[] {
  const out: KernelEvent[] = [];
  decoder.decodeBatch(batch, (e) => out.push(e));
  return out;
}

test('a fork record decodes parent from the header and the child from the payload', () => {
  const r = record({ kind: 16, size: 88, pid: 4242, comm: 'java', cgroupId: 77n });
  r.writeUInt32LE(4243, 64);
  r.writeUInt32LE(4243, 68);
  Buffer.from('java').copy(r, 72);
  const [e] = decodeAll(r);
  assert.ok(e);
  assert.equal(e.name, 'process.fork');
  assert.equal(e.monoNs, 5_000_000_000n);
  assert.equal(e.rules, 0b101n);
  assert.equal(e.time, 1_000_000 + 5_000);
  assert.deepEqual(e.fields, {
    cpu: 1,
    pid: 4242,
    tgid: 4242,
    uid: 1000,
    comm: 'java',
    cgroup_id: 77n,
    cgroup: '/prod/api',
    child_pid: 4243,
    child_tgid: 4243,
    child_comm: 'java',
  });
});

test('an OOM victim record reports sizes in bytes and both cgroups as paths', () => {
  const r = record({ kind: 1, size: 144, pid: 31337, comm: 'python3', cgroupId: 77n });
  r.writeBigUInt64LE(2048n, 64); // total_vm_kb
  r.writeBigUInt64LE(1024n, 72); // anon_rss_kb
  r.writeBigUInt64LE(8n, 80);
  r.writeBigUInt64LE(0n, 88);
  r.writeBigUInt64LE(4n, 96); // pgtables_kb
  r.writeBigUInt64LE(9n, 104); // memcg_id
  r.writeInt32LE(4, 112); // memcg_hierarchy
  r.writeInt16LE(-500, 116);
  r.writeUInt32LE(999, 120);
  Buffer.from('stress').copy(r, 128);
  const [e] = decodeAll(r);
  assert.ok(e);
  assert.equal(e.name, 'oom.victim');
  assert.equal(e.fields.total_vm, 2048 * 1024);
  assert.equal(e.fields.anon_rss, 1024 * 1024);
  assert.equal(e.fields.pgtables, 4096);
  assert.equal(e.fields.oom_score_adj, -500);
  assert.equal(e.fields.memcg, '/prod/api-memcg');
  assert.equal(e.fields.memcg_id, 9n);
  assert.equal(e.fields.cgroup, '/prod/api');
  assert.equal(e.fields.trigger_pid, 999);
  assert.equal(e.fields.trigger_comm, 'stress');
});

test('a cgroup id nobody can resolve leaves the path absent, never a made-up one', () => {
  const r = record({ kind: 20, size: 72, cgroupId: 123456n });
  const [e] = decodeAll(r);
  assert.ok(e);
  assert.equal(e.name, 'process.hang');
  assert.equal(e.fields.cgroup, undefined);
  assert.equal(e.fields.cgroup_id, 123456n);
});

test('a record naming a cgroup not known yet is decoded at once without its path, counted, and named once the background walk found it', async () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-decoder-'));
  try {
    fs.mkdirSync(path.join(root, 'prod'));
    const p = new CgroupPaths([{ id: 0, name: 'unified', mountPoint: root }]);
    const decoder = new Decoder(p, { wallOffsetMs: 0 });
    assert.equal(p.pathOf(0, fs.statSync(path.join(root, 'prod'), { bigint: true }).ino), '/prod', 'what was there at start is read before the first record');
    // made after start, and its mkdir record lost: the directory is there to be read, and a
    // lookup that walked on the spot would find it
    fs.mkdirSync(path.join(root, 'prod', 'new'));
    const id = fs.statSync(path.join(root, 'prod', 'new'), { bigint: true }).ino;
    const exit = record({ kind: 18, size: 96, cgroupId: id });
    const [first] = decodeAll(exit, decoder);
    assert.equal(first?.fields.cgroup, undefined);
    assert.equal(first?.fields.cgroup_id, id);
    assert.deepEqual([...decoder.stats.unresolved], [['process.exit', 1]]);
    await p.settled();
    assert.equal(decodeAll(exit, decoder)[0]?.fields.cgroup, '/prod/new');
    assert.deepEqual([...decoder.stats.unresolved], [['process.exit', 1]]);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
});

test("a cgroup's mkdir record names it on the next record, with no walk; an id of a hierarchy not kept is not counted", () => {
  const p = paths();
  const decoder = new Decoder(p, { wallOffsetMs: 0 });
  const mkdir = record({ kind: 3, size: 368 });
  mkdir.writeBigUInt64LE(555n, 64);
  Buffer.from('/prod/fresh').copy(mkdir, 112);
  const victim = record({ kind: 1, size: 144, cgroupId: 555n });
  victim.writeBigUInt64LE(9999n, 104); // memcg_id, in v1 cpu,cpuacct: paths are not kept there
  victim.writeInt32LE(2, 112);
  const [, oom] = decodeAll(Buffer.concat([mkdir, victim]), decoder);
  assert.equal(oom?.fields.cgroup, '/prod/fresh');
  assert.equal(oom?.fields.memcg, undefined);
  assert.equal(decoder.stats.unresolved.size, 0);
  victim.writeInt32LE(4, 112); // the memory hierarchy, kept: the victim's memcg is not known
  decodeAll(victim, decoder);
  assert.deepEqual([...decoder.stats.unresolved], [['oom.victim', 1]]);
});

test('cgroup events carry their own path, learn it on mkdir and forget it on release', () => {
  const p = paths();
  const decoder = new Decoder(p, { wallOffsetMs: 0 });
  const mkdir = record({ kind: 3, size: 368 });
  mkdir.writeBigUInt64LE(555n, 64);
  mkdir.writeInt32LE(0, 72);
  mkdir.writeInt32LE(2, 76);
  Buffer.from('/prod/new').copy(mkdir, 112);
  const [e] = decodeAll(mkdir, decoder);
  assert.ok(e);
  assert.equal(e.name, 'cgroup.mkdir');
  assert.equal(e.fields.cgroup, '/prod/new');
  assert.equal(e.fields.hierarchy, 'unified');
  assert.equal(e.fields.level, 2);
  assert.equal(p.pathOf(0, 555n), '/prod/new');
  const release = Buffer.from(mkdir);
  release.writeUInt16LE(5, 0);
  decodeAll(release, decoder);
  assert.equal(p.pathOf(0, 555n), undefined);
});

test('records of events not asked for are not handed on, and still teach the path cache', () => {
  const p = paths();
  const decoder = new Decoder(p, { wallOffsetMs: 0, emitted: ['process.exit'] });
  const mkdir = record({ kind: 3, size: 368 });
  mkdir.writeBigUInt64LE(556n, 64);
  Buffer.from('/prod/asked-for-nothing').copy(mkdir, 112);
  const exit = record({ kind: 18, size: 96, cgroupId: 556n });
  const out = decodeAll(Buffer.concat([mkdir, exit]), decoder);
  assert.deepEqual(
    out.map((e) => [e.name, e.fields.cgroup]),
    [['process.exit', '/prod/asked-for-nothing']],
  );
});

test('a release read ahead of older bulk records (the urgent ring) keeps the path until they are decoded', () => {
  const p = paths();
  const decoder = new Decoder(p, { wallOffsetMs: 0, deferReleases: true });
  const release = record({ kind: 5, size: 368 });
  release.writeBigUInt64LE(77n, 64); // /prod/api, released at 5 s
  decodeAll(release, decoder);
  const exit = record({ kind: 18, size: 96, cgroupId: 77n });
  exit.writeBigUInt64LE(4_000_000_000n, 8); // an exit at 4 s, decoded after the release
  assert.equal(decodeAll(exit, decoder)[0]?.fields.cgroup, '/prod/api', 'the older record still names its cgroup');
  decoder.settleReleases(4_999_999_999n);
  assert.equal(p.pathOf(0, 77n), '/prod/api', 'kept until the bulk stream passes the release');
  decoder.settleReleases(5_000_000_000n);
  assert.equal(p.pathOf(0, 77n), undefined, 'forgotten once it has');
});

test('decodeSome takes a bounded number of records and says where to go on; skipped kinds are counted, not decoded', () => {
  const batch = Buffer.concat([record({ kind: 16, size: 88 }), record({ kind: 20, size: 72 }), record({ kind: 16, size: 88 })]);
  const decoder = new Decoder(paths(), { wallOffsetMs: 0 });
  const names: string[] = [];
  const skipped: string[] = [];
  const at = decoder.decodeSome(
    batch,
    0,
    2,
    (e) => names.push(e.name),
    1 << 16,
    (spec) => skipped.push(spec.name),
  );
  assert.equal(at, 88 + 72);
  assert.deepEqual(names, ['process.hang']);
  assert.deepEqual(skipped, ['process.fork']);
  assert.equal(Decoder.timeAt(batch, at), 5_000_000_000n);
  assert.equal(
    decoder.decodeSome(batch, at, 10, (e) => names.push(e.name)),
    batch.length,
  );
  assert.deepEqual(names, ['process.hang', 'process.fork']);
});

test('a frozen notification decodes val as a boolean and attach names the moved task', () => {
  const frozen = record({ kind: 12, size: 368 });
  frozen.writeInt32LE(1, 80);
  Buffer.from('/x').copy(frozen, 112);
  const attach = record({ kind: 7, size: 368 });
  attach.writeUInt32LE(321, 84);
  attach.writeUInt32LE(320, 88);
  attach.writeUInt32LE(1, 92);
  Buffer.from('worker').copy(attach, 96);
  Buffer.from('/y').copy(attach, 112);
  const [f, a] = decodeAll(Buffer.concat([frozen, attach]));
  assert.equal(f?.fields.frozen, true);
  assert.equal(a?.fields.task_pid, 321);
  assert.equal(a?.fields.task_tgid, 320);
  assert.equal(a?.fields.task_comm, 'worker');
  assert.equal(a?.fields.threadgroup, true);
});

test("an exit record carries the wait status split by the kernel, and the task's age", () => {
  const killed = record({ kind: 18, size: 96 });
  killed.writeInt32LE(9, 64); // exit_code
  killed.writeUInt32LE(1, 72); // group_dead
  killed.writeInt32LE(9, 76); // signal
  killed.writeBigUInt64LE(1_500_000_000n, 88); // age_ns
  const exited = record({ kind: 18, size: 96 });
  exited.writeInt32LE(3 << 8, 64);
  exited.writeInt32LE(3, 80); // exit_status
  const [k, x] = decodeAll(Buffer.concat([killed, exited]));
  assert.equal(k?.fields.signal, 9);
  assert.equal(k?.fields.group_dead, true);
  assert.equal(k?.fields.age, 1_500_000_000);
  assert.equal(x?.fields.signal, 0);
  assert.equal(x?.fields.exit_status, 3);
  assert.equal(x?.fields.group_dead, false);
});

test('migration reasons decode to their names, unknown ones to their number', () => {
  const known = record({ kind: 14, size: 120 });
  known.writeBigUInt64LE(10n, 64);
  known.writeBigUInt64LE(2n, 72);
  known.writeUInt32LE(2, 112);
  known.writeInt32LE(0, 116);
  const unknown = record({ kind: 13, size: 72 });
  unknown.writeInt32LE(42, 68);
  const [k, u] = decodeAll(Buffer.concat([known, unknown]));
  assert.equal(k?.fields.reason, 'compaction');
  assert.equal(k?.fields.mode, 'sync');
  assert.equal(k?.fields.failed, 2);
  assert.equal(u?.fields.reason, '42');
});

test('a comm of 16 bytes without a terminator and invalid UTF-8 still decode safely', () => {
  const r = record({ kind: 19, size: 72, comm: Buffer.from([0xff, 0xfe, ...Buffer.from('abcdefghijklmn')]) });
  const [e] = decodeAll(r);
  assert.equal(typeof e?.fields.comm, 'string');
  assert.equal((e?.fields.comm as string).endsWith('abcdefghijklmn'), true);
});

test('unknown kinds and cut-off records are counted, not decoded into junk', () => {
  const decoder = new Decoder(paths(), { wallOffsetMs: 0 });
  const unknown = record({ kind: 99, size: 72 });
  const good = record({ kind: 19, size: 72 });
  const cut = record({ kind: 19, size: 72 }).subarray(0, 68);
  const out = decodeAll(Buffer.concat([unknown, good, cut]), decoder);
  assert.deepEqual(
    out.map((e) => e.name),
    ['process.free'],
  );
  assert.equal(decoder.stats.malformed, 2);
});

test('a truncated path is flagged and JSON output turns ids into strings', () => {
  const r = record({ kind: 3, size: 368, flags: 1 });
  r.writeBigUInt64LE(2n ** 63n + 5n, 64);
  const [e] = decodeAll(r);
  assert.ok(e);
  assert.equal(e.truncated, true);
  const json = eventToJson(e);
  assert.equal(json.cgroup_id, (2n ** 63n + 5n).toString());
  assert.equal(json.truncated, true);
  assert.doesNotThrow(() => JSON.stringify(json));
});
