/**
 * A record naming a cgroup the path cache does not know (made after start,
 * its mkdir record lost) on a host-sized hierarchy (20,000 cgroups in a
 * temporary tree standing in for cgroupfs), side by side in one run: the
 * synchronous walk a lookup used to make on the spot (CgroupPaths.tree()
 * runs that walk), against decoding the record now, with the event loop's
 * turns while the background walk finds it.
 *
 *   CGROUPS=20000 ROUNDS=5 node dist/bench/cgroup_cache.js
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { CgroupPaths } from '../src/events/cgroup_paths';
import { Decoder } from '../src/events/decoder';
import { HEADER_LAYOUT, recordLayout } from '../src/events/layout';
import { eventByName } from '../src/events/catalog';
import type { EventSpec } from '../src/events/types';

const CGROUPS = Number(process.env.CGROUPS ?? 20_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const RECORDS = 10_000;

/** Slices of 199 services each, as systemd lays out a busy host. */
function makeTree(root: string): void {
  let made = 1;
  for (let s = 0; made < CGROUPS; s++) {
    const slice = path.join(root, `slice-${s}.slice`);
    fs.mkdirSync(slice);
    made++;
    for (let c = 0; c < 199 && made < CGROUPS; c++, made++) fs.mkdirSync(path.join(slice, `svc-${c}.service`));
  }
}

/** process.exit records naming cgroup `id`. */
function exits(id: bigint, n: number): Buffer {
  const spec = eventByName('process.exit') as EventSpec;
  const size = recordLayout(spec).size;
  const stride = Math.ceil(size / 8) * 8;
  const at = (c: string): number => HEADER_LAYOUT.members.find((m) => m.c === c)?.offset as number;
  const batch = Buffer.alloc(stride * n);
  for (let i = 0; i < n; i++) {
    const o = i * stride;
    batch.writeUInt16LE(spec.kind, o + at('kind'));
    batch.writeUInt16LE(size, o + at('size'));
    batch.writeBigUInt64LE(BigInt(5e9 + i), o + at('ts_ns'));
    batch.writeBigUInt64LE(id, o + at('cgroup_id'));
  }
  return batch;
}

/**
 * How long each turn of the event loop took until `done` settled, in ms, sorted:
 * the stretches it ran without yielding (on a busy host they include time the
 * process was not on a CPU at all).
 */
async function turns(done: Promise<void>): Promise<number[]> {
  const gaps: number[] = [];
  let last = performance.now();
  let finished = false;
  void done.then(() => (finished = true));
  while (!finished) {
    await new Promise((resolve) => setImmediate(resolve));
    const now = performance.now();
    gaps.push(now - last);
    last = now;
  }
  return gaps.sort((a, b) => a - b);
}

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;
const ms = (x: number): string => (x < 1 ? x.toFixed(3) : x.toFixed(1));

async function main(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'kw-bench-cgroups-'));
  try {
    makeTree(root);
    const hierarchy = [{ id: 0, name: 'unified', mountPoint: root }];
    const startUp: number[] = [];
    const before: number[] = [];
    const cold: number[] = [];
    const coldMany: number[] = [];
    const blocks: number[] = [];
    const p99s: number[] = [];
    const idle: number[] = [];
    const resolved: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      let skew = 0;
      const paths = new CgroupPaths(hierarchy, () => Date.now() + skew);
      const t0 = performance.now();
      const decoder = new Decoder(paths, { wallOffsetMs: 0 });
      startUp.push(performance.now() - t0);
      await paths.settled();
      // a cgroup made after start whose mkdir record was lost
      const dir = path.join(root, 'slice-0.slice', `late-${r}.scope`);
      fs.mkdirSync(dir);
      const id = fs.statSync(dir, { bigint: true }).ino;
      const one = exits(id, 1);

      // before: the lookup of an unknown id walked the hierarchy there and then
      const t1 = performance.now();
      const found = new CgroupPaths(hierarchy).tree(0).some(([i]) => i === id);
      before.push(performance.now() - t1);
      if (!found) throw new Error('the synchronous walk did not find the cgroup');

      // now: the record decoded at once without the path, then the background walk timed
      skew = 60_000; // the last walk long past: this one starts at once
      let named: unknown = 'unset';
      const t2 = performance.now();
      decoder.decodeBatch(one, (e) => (named = e.fields.cgroup));
      cold.push(performance.now() - t2);
      if (named !== undefined) throw new Error('the lookup found the path on the spot');
      const many = exits(id, RECORDS);
      const t3 = performance.now();
      decoder.decodeBatch(many, () => undefined);
      coldMany.push((performance.now() - t3) / RECORDS);
      const t4 = performance.now();
      const gaps = await turns(paths.settled());
      resolved.push(performance.now() - t4);
      blocks.push(gaps[gaps.length - 1] as number);
      p99s.push(gaps[Math.floor(gaps.length * 0.99)] as number);
      // the same loop with nothing to do, as long: what the host's scheduler alone costs it
      const idleGaps = await turns(new Promise((resolve) => setTimeout(resolve, resolved[resolved.length - 1])));
      idle.push(idleGaps[idleGaps.length - 1] as number);
      decoder.decodeBatch(one, (e) => (named = e.fields.cgroup));
      if (named !== `/slice-0.slice/late-${r}.scope`) throw new Error(`the background walk named it ${String(named)}`);
      fs.rmdirSync(dir);
    }
    console.log(`cgroup path cache, ${CGROUPS} cgroups, a record naming one the cache does not know; median of ${ROUNDS} rounds (largest in brackets):`);
    console.log(`  before: decoding it walked the hierarchy on the spot, blocking ${ms(median(before))} ms (${ms(Math.max(...before))})`);
    console.log(
      `  now:    it decodes in ${ms(median(cold))} ms (${ms(Math.max(...cold))}), then ${ms(median(coldMany) * 1000)} us a record while unresolved;` +
        ` the background walk names it after ${ms(median(resolved))} ms, the event loop turning every ${ms(median(p99s))} ms or sooner (p99) and ${ms(median(blocks))} ms at most (${ms(Math.max(...blocks))})`,
    );
    console.log(`  an idle event loop over as long turns ${ms(median(idle))} ms at most (${ms(Math.max(...idle))}): the rest is the host's scheduler`);
    console.log(`  (a session's start reads the tree at once, before its first record: ${ms(median(startUp))} ms)`);
    console.log(`  longest synchronous block, before / now: ${(median(before) / median(blocks)).toFixed(0)}x`);
  } finally {
    fs.rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
