/**
 * The addon opened, loaded, attached, read and closed many times leaves no
 * file descriptor and no thread behind, and reports libbpf failures as
 * exceptions with errno and code.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { test } from 'node:test';
import { FilterMaps } from '../../src/kernel/filter_maps';
import { passAll } from '../../src/kernel/kernel_rule_set';
import { MAP_STRUCTS } from '../../src/kernel/map_layouts';
import { nativeAddon, isBpfError } from '../../src/kernel/native';
import { NEEDS_ROOT } from '../support/root';

const count = (dir: string): number => fs.readdirSync(dir).length;

test('opening and closing a session 50 times leaks no fds and no threads', { skip: NEEDS_ROOT }, async () => {
  const { BpfSession } = nativeAddon();
  const cycle = async (): Promise<number> => {
    const bpf = new BpfSession({ ringBytes: 1 << 16 });
    bpf.load(['handle__sched_process_fork', 'handle__sched_process_exit']);
    new FilterMaps(bpf).installFirst(passAll([16, 18]));
    bpf.attach('handle__sched_process_fork');
    bpf.attach('handle__sched_process_exit');
    let bytes = 0;
    bpf.startReader((err, batch) => {
      assert.equal(err, null);
      bytes += batch?.length ?? 0;
    });
    spawnSync('/bin/true');
    await bpf.stopReader();
    bpf.close();
    return bytes;
  };
  await cycle(); // first use loads the addon and libbpf's own state
  const fdsBefore = count('/proc/self/fd');
  const threadsBefore = count('/proc/self/task');
  let delivered = 0;
  for (let i = 0; i < 50; i++) delivered += await cycle();
  assert.ok(delivered > 0, 'records were delivered while attached');
  assert.equal(count('/proc/self/fd'), fdsBefore, 'open fds');
  assert.equal(count('/proc/self/task'), threadsBefore, 'threads');
});

test('a reader stopped while the ring buffer is busy still delivers what was submitted', { skip: NEEDS_ROOT }, async () => {
  const { BpfSession } = nativeAddon();
  const bpf = new BpfSession();
  try {
    bpf.load(['handle__sched_process_fork']);
    new FilterMaps(bpf).installFirst(passAll([16]));
    bpf.attach('handle__sched_process_fork');
    let records = 0;
    bpf.startReader((_err, batch) => {
      for (let at = 0; batch && at < batch.length; at += Math.ceil(batch.readUInt16LE(at + 2) / 8) * 8) records++;
    });
    for (let i = 0; i < 20; i++) spawnSync('/bin/true');
    bpf.detach('handle__sched_process_fork');
    await bpf.stopReader();
    const key = Buffer.alloc(4);
    key.writeUInt32LE(16);
    const perCpu = bpf.lookup('stats', key);
    assert.ok(perCpu);
    let sent = 0n;
    for (let at = 0; at < perCpu.length; at += MAP_STRUCTS.kw_stats.size) sent += perCpu.readBigUInt64LE(at + 8);
    assert.ok(records >= 20, `at least our 20 forks arrived (got ${records})`);
    assert.equal(BigInt(records), sent, 'every record the kernel sent reached JavaScript');
  } finally {
    bpf.close();
  }
});

test('libbpf failures become exceptions with errno, code and the operation', { skip: NEEDS_ROOT }, () => {
  const { BpfSession } = nativeAddon();
  const bpf = new BpfSession();
  try {
    bpf.load(['handle__sched_process_fork']);
    assert.throws(
      () => bpf.update('stats', Buffer.alloc(4, 0xff), Buffer.alloc(MAP_STRUCTS.kw_stats.size * nativeAddon().possibleCpus())),
      (e: unknown) => isBpfError(e) && e.code === 'E2BIG' && e.errno === 7 && /^update stats: /.test(e.message),
    );
    assert.throws(() => bpf.attach('no_such_program'), /no program named no_such_program/);
    assert.throws(() => bpf.load([]), /already loaded/);
  } finally {
    bpf.close();
  }
  assert.throws(() => bpf.lookup('stats', Buffer.alloc(4)), /session is closed/);
});

test('a process that exits while its reader thread runs exits cleanly', { skip: NEEDS_ROOT }, () => {
  const script = `
    const { nativeAddon } = require(${JSON.stringify(require.resolve('../../src/kernel/native'))});
    const { FilterMaps } = require(${JSON.stringify(require.resolve('../../src/kernel/filter_maps'))});
    const { passAll } = require(${JSON.stringify(require.resolve('../../src/kernel/kernel_rule_set'))});
    const bpf = new (nativeAddon().BpfSession)();
    bpf.load(['handle__sched_process_fork']);
    new FilterMaps(bpf).installFirst(passAll([16]));
    bpf.attach('handle__sched_process_fork');
    bpf.startReader(() => {});
    setTimeout(() => process.exit(3), 200);
  `;
  const r = spawnSync(process.execPath, ['-e', script], { timeout: 10_000, encoding: 'utf8' });
  assert.equal(r.signal, null, `killed by ${r.signal}: ${r.stderr}`);
  assert.equal(r.status, 3, r.stderr);
});

test("the kernel's count of skipped firings is read for every loaded program", { skip: NEEDS_ROOT }, () => {
  const { BpfSession } = nativeAddon();
  const bpf = new BpfSession();
  try {
    bpf.load(['handle__sched_process_fork', 'handle__mm_page_pcpu_drain']);
    const misses = bpf.recursionMisses();
    assert.deepEqual(Object.keys(misses).sort(), ['handle__mm_page_pcpu_drain', 'handle__sched_process_fork']);
    for (const n of Object.values(misses)) assert.equal(typeof n, 'number');
  } finally {
    bpf.close();
  }
});

test("the object is chosen from the kernel's BTF, and every object this kernel can run loads every program", { skip: NEEDS_ROOT }, () => {
  const { BpfSession } = nativeAddon();
  const btf = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  const hasBpfLoop = /'BPF_FUNC_loop' val=/.test(btf);
  for (const compat of [undefined, true, false]) {
    const bpf = new BpfSession(compat === undefined ? {} : { compat });
    try {
      assert.equal(bpf.compat, compat ?? !hasBpfLoop, `compat option ${compat}`);
      if (!bpf.compat && !hasBpfLoop) continue; // the main object calls bpf_loop(), which this kernel lacks
      const present = bpf
        .programs()
        .filter((p) => p.available)
        .map((p) => p.name);
      assert.deepEqual(bpf.load(present), [], `the ${bpf.compat ? 'compat' : 'main'} object loads every program`);
    } finally {
      bpf.close();
    }
  }
});
