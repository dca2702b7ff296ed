/**
 * Whole maps read and many keys deleted at once (native/src/map_batch.h): a
 * batch read gives every entry once, with the values lookup() gives, however
 * few entries it asks for per call, as the get_next_key walk it falls back
 * to does; a batch delete goes on past keys already gone; a map the kernel
 * deletes keys from while it is read gives no key twice.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { eventByName } from '../../src/events/catalog';
import type { EventSpec } from '../../src/events/types';
import { GlobStateBuilder } from '../../src/kernel/cgroup_globs';
import { encodeStruct, offsetOf } from '../../src/kernel/c_layout';
import { kindFilter, ruleSetOf } from '../../src/kernel/kernel_rule_set';
import { LIMITS } from '../../src/kernel/limits';
import { MAP_STRUCTS, perCpuStride } from '../../src/kernel/map_layouts';
import { nativeAddon, type BpfSessionHandle, type MapEntries } from '../../src/kernel/native';
import { KernelSession } from '../../src/live/session';
import { NEEDS_ROOT } from '../support/root';
import { ScratchCgroup, v2Unavailable } from '../support/scratch_cgroup';

const { kw_count_key, kw_count } = MAP_STRUCTS;
const STRIDE = perCpuStride(kw_count.size);
const EVENTS_AT = offsetOf(kw_count, 'events');

function countKey(i: number): Buffer {
  return encodeStruct(kw_count_key, { rule: i % LIMITS.KW_MAX_RULES, generation: i % 2, group: BigInt(i) });
}

/** Entry `i`'s value on CPU `c`: events i * 1000 + c. */
function countValue(i: number, cpus: number): Buffer {
  const v = Buffer.alloc(STRIDE * cpus);
  for (let c = 0; c < cpus; c++) v.writeBigUInt64LE(BigInt(i * 1000 + c), c * STRIDE + EVENTS_AT);
  return v;
}

/** The keys of `e`, as hex, each once; fails on a key given twice. */
function uniqueKeys(e: MapEntries, keySize: number): Set<string> {
  const keys = new Set<string>();
  for (let i = 0; i < e.count; i++) {
    const key = e.keys.subarray(i * keySize, (i + 1) * keySize).toString('hex');
    assert.ok(!keys.has(key), `key ${key} given twice`);
    keys.add(key);
  }
  return keys;
}

async function withMaps(body: (bpf: BpfSessionHandle) => Promise<void> | void): Promise<void> {
  const bpf = new (nativeAddon().BpfSession)();
  try {
    bpf.load([]);
    await body(bpf);
  } finally {
    bpf.close();
  }
}

test('a batch read gives every entry of a per-CPU hash once with its per-CPU values, however few it asks for per call', { skip: NEEDS_ROOT }, async () => {
  const cpus = nativeAddon().possibleCpus();
  await withMaps((bpf) => {
    const n = 10_000;
    for (let i = 0; i < n; i++) bpf.update('counts', countKey(i), countValue(i, cpus));
    // one entry per call: every bucket holding two keys or more is refused with ENOSPC first
    for (const options of [{}, { batchCount: 1 }, { batchCount: 100 }, { walk: true }]) {
      const what = JSON.stringify(options);
      const e = bpf.entries('counts', options);
      assert.equal(e.count, n, what);
      assert.equal(e.walked, 'walk' in options, what);
      assert.equal(e.restarts, 0, what);
      assert.equal(e.values.length, n * STRIDE * cpus, what);
      assert.equal(uniqueKeys(e, kw_count_key.size).size, n, what);
      for (let i = 0; i < e.count; i++) {
        const key = e.keys.subarray(i * kw_count_key.size, (i + 1) * kw_count_key.size);
        const value = e.values.subarray(i * STRIDE * cpus, (i + 1) * STRIDE * cpus);
        assert.deepEqual(value, bpf.lookup('counts', key), `${what}: entry ${i}`);
      }
    }
    assert.equal(bpf.entries('cgroup_rules').count, 0, 'an empty hash');
    assert.equal(bpf.entries('kind_filters').count, LIMITS.KW_GENERATIONS * LIMITS.KW_KIND_MAX, 'an array: every index');
  });
});

test('a batch delete deletes the keys given, counts those that were there, and goes on past keys already gone', { skip: NEEDS_ROOT }, async () => {
  const cpus = nativeAddon().possibleCpus();
  await withMaps((bpf) => {
    for (let i = 0; i < 100; i++) bpf.update('counts', countKey(i), countValue(i, cpus));
    const keys = [countKey(0), countKey(1000), countKey(1), countKey(0), countKey(2), countKey(1001)];
    assert.equal(bpf.deleteKeys('counts', Buffer.concat(keys)), 3);
    const left = uniqueKeys(bpf.entries('counts'), kw_count_key.size);
    assert.equal(left.size, 97);
    for (const i of [0, 1, 2]) assert.ok(!left.has(countKey(i).toString('hex')), `key ${i} deleted`);
    assert.equal(bpf.deleteKeys('counts', Buffer.alloc(0)), 0);
    assert.throws(() => bpf.deleteKeys('counts', Buffer.alloc(kw_count_key.size + 1)), RangeError);
  });
});

test('a map the kernel deletes keys from while it is read gives no key twice', { skip: NEEDS_ROOT || v2Unavailable() }, async () => {
  const EXIT = eventByName('process.exit') as EventSpec;
  const parent = ScratchCgroup.v2();
  try {
    // every cgroup made under the parent gets a cgroup_rules entry from the kernel, which deletes it at release
    const globs = new GlobStateBuilder();
    globs.add(`${parent.path}/**`, 1n);
    const set = ruleSetOf({
      kinds: new Map([[EXIT.kind, kindFilter(1n, { byCgroup: 1n })]]),
      globStates: globs.states(),
      globRoot: globs.rootEntry(),
    });
    const session = KernelSession.start({ events: ['process.exit'], ruleSet: set, onEvents: () => undefined });
    try {
      const n = 2000;
      for (let i = 0; i < n; i++) fs.mkdirSync(path.join(parent.dir, `c${i}`));
      const keySize = MAP_STRUCTS.kw_cgroup_key.size;
      assert.ok(session.bpf.entries('cgroup_rules').count >= n, 'an entry per cgroup made');
      const rmdirs = spawn('sh', ['-c', `cd ${parent.dir} && for i in $(seq 0 ${n - 1}); do rmdir c$i; done`], { stdio: 'ignore' });
      const done = new Promise<void>((resolve) => rmdirs.once('exit', () => resolve()));
      let reads = 0;
      let restarts = 0;
      let running = true;
      void done.then(() => (running = false));
      while (running) {
        for (const options of [{}, { batchCount: 16 }, { walk: true }]) {
          const e = session.bpf.entries('cgroup_rules', options);
          uniqueKeys(e, keySize);
          restarts += e.restarts;
          reads++;
        }
        await turn();
      }
      assert.ok(reads > 3, `${reads} reads while the cgroups went (${restarts} walk restarts)`);
    } finally {
      await session.stop();
      session.close();
    }
  } finally {
    await parent.remove();
  }
});
