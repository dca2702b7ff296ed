/**
 * Flow control on the live kernel, with a consumer deliberately slower than
 * a fork storm: an OOM victim overtakes the storm's older records (it comes
 * through the urgent ring), the records waiting in JavaScript stay within
 * the in-flight budget, and what does not fit is lost in the kernel, counted
 * per kind, never an urgent record. A kind shed in the kernel is counted
 * there and sends nothing.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { eventByName } from '../../src/events/catalog';
import type { KernelEvent } from '../../src/events/event';
import { KernelSession } from '../../src/live/session';
import { retryUntil } from '../support/bounded';
import { NEEDS_ROOT } from '../support/root';
import { ScratchCgroup, v1Unavailable, v2Unavailable } from '../support/scratch_cgroup';

const SKIP = NEEDS_ROOT || v2Unavailable();
const IN_FLIGHT = 64 << 10;
/** the reader's batch, and one record over it (it takes the record that fills a batch) */
const BATCH_SLACK = (64 << 10) + 512;

/** About 3,000-10,000 forks a second until killed, each making fork, exit and free records. */
function forkStorm(seconds: number): ChildProcess {
  const script = `import os, time\nend = time.time() + ${seconds}\nwhile time.time() < end:\n    pid = os.fork()\n    if pid == 0:\n        os._exit(0)\n    os.waitpid(pid, 0)\n`;
  return spawn('python3', ['-c', script], { stdio: 'ignore' });
}

/** An allocator OOM-killed in `v2dir`, without blocking the event loop (the consumer runs meanwhile). */
function oomAsync(v2dir: string, v1memcg: string | undefined): Promise<number> {
  const limit = v1memcg ? `echo 32M > ${v1memcg}/memory.limit_in_bytes && echo $$ > ${v1memcg}/cgroup.procs && ` : `echo 32M > ${v2dir}/memory.max && `;
  const child = spawn('sh', ['-c', `echo $$ > ${v2dir}/cgroup.procs && ${limit}exec dd if=/dev/zero of=/dev/null bs=128M count=1`], { stdio: 'ignore' });
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(child.pid ?? -1);
    }),
  );
}

function busyFor(us: number): void {
  const until = process.hrtime.bigint() + BigInt(us * 1000);
  while (process.hrtime.bigint() < until);
}

test(
  'an OOM during a fork storm overtakes the older storm records; the storm waits in the kernel, within the budget in JavaScript',
  { skip: SKIP },
  async () => {
    const scratch = ScratchCgroup.v2();
    const memcg = v1Unavailable('memory') ? undefined : ScratchCgroup.v1('memory');
    let storm: ChildProcess | undefined;
    let session: KernelSession | undefined;
    let sampler: NodeJS.Timeout | undefined;
    try {
      if (!memcg) fs.writeFileSync(path.join(scratch.dir, 'cgroup.subtree_control'), '+memory');
      const victimDir = path.join(scratch.dir, 'victim');
      fs.mkdirSync(victimDir);
      const consumed: Array<{ name: string; monoNs: bigint; at: bigint }> = [];
      let maxBacklog = 0;
      let oomSeen = false;
      session = KernelSession.start({
        events: ['oom.victim', 'process.fork', 'process.exit', 'process.free'],
        ringBytes: 16 << 10,
        maxInFlightBytes: IN_FLIGHT,
        onEvents: (batch: readonly KernelEvent[]) => {
          for (const e of batch) {
            // 20 ms a bulk record until the OOM came: 50 a second, slower than
            // the storm makes them even in an emulated guest; then quick, so the rest drains
            if (e.name === 'oom.victim') oomSeen = true;
            else if (!oomSeen) busyFor(20_000);
            consumed.push({ name: e.name, monoNs: e.monoNs, at: process.hrtime.bigint() });
          }
        },
      });
      const s = session;
      sampler = setInterval(() => (maxBacklog = Math.max(maxBacklog, s.pumpStats().backlogBytes)), 5);
      storm = forkStorm(40);
      const stormLost = (): number => (['process.fork', 'process.exit', 'process.free'] as const).reduce((n, k) => n + (s.counters().get(k)?.lost ?? 0), 0);
      // the backlog builds up until the kernel's ring overflows, however fast this machine forks
      const state = (): string =>
        `lost ${stormLost()}, ${s.pumpStats().lagMs.toFixed(0)} ms behind, forks seen ${s.counters().get('process.fork')?.seen}, storm ${storm?.exitCode ?? 'running'}`;
      await retryUntil('the storm overflowing the kernel ring', 30_000, () => (stormLost() > 0 && s.pumpStats().lagMs > 200 ? true : undefined), 100).catch(
        (e: Error) => {
          throw new Error(`${e.message}: ${state()}`);
        },
      );
      const lagBefore = s.pumpStats().lagMs;
      const victim = await oomAsync(victimDir, memcg?.dir);
      const oom = await retryUntil('the OOM victim consumed', 10_000, () => consumed.find((c) => c.name === 'oom.victim'));
      clearInterval(sampler);
      storm.kill('SIGKILL');
      await s.stop();
      const counters = s.counters();

      const delayMs = Number(oom.at - oom.monoNs) / 1e6;
      assert.ok(delayMs < 1000, `the OOM was consumed ${delayMs.toFixed(0)} ms after the kernel saw it`);
      const overtaken = consumed.filter((c) => c.name !== 'oom.victim' && c.monoNs < oom.monoNs && c.at > oom.at).length;
      assert.ok(lagBefore > 200, `the storm's records were behind by ${lagBefore.toFixed(0)} ms before the OOM (the consumer is slow enough)`);
      assert.ok(overtaken > 0, `the OOM overtook ${overtaken} older storm records`);
      assert.ok(maxBacklog <= IN_FLIGHT + BATCH_SLACK + 4096, `bytes waiting in JavaScript at most ${maxBacklog} (budget ${IN_FLIGHT})`);
      assert.equal(counters.get('oom.victim')?.lost, 0, 'no OOM record lost');
      assert.ok(victim > 0);
    } finally {
      clearInterval(sampler);
      storm?.kill('SIGKILL');
      if (session) {
        await session.stop().catch(() => undefined);
        session.close();
      }
      await scratch.remove();
      await memcg?.remove();
    }
  },
);

test('a kind shed in the kernel sends nothing and counts each of its records as shed, while an OOM still arrives', { skip: SKIP }, async () => {
  const scratch = ScratchCgroup.v2();
  const memcg = v1Unavailable('memory') ? undefined : ScratchCgroup.v1('memory');
  let session: KernelSession | undefined;
  try {
    if (!memcg) fs.writeFileSync(path.join(scratch.dir, 'cgroup.subtree_control'), '+memory');
    const victimDir = path.join(scratch.dir, 'victim');
    fs.mkdirSync(victimDir);
    const names: string[] = [];
    session = KernelSession.start({ events: ['oom.victim', 'process.fork'], onEvents: (batch) => names.push(...batch.map((e) => e.name)) });
    session.shed(1 << (eventByName('process.fork')?.kind ?? 0));
    const sentBefore = session.counters().get('process.fork')?.sent ?? 0;
    for (let i = 0; i < 50; i++) spawnSync('/bin/true');
    await oomAsync(victimDir, memcg?.dir);
    await retryUntil('the OOM victim consumed', 10_000, () => (names.includes('oom.victim') ? true : undefined));
    await session.stop();
    const fork = session.counters().get('process.fork');
    assert.ok(fork && fork.shed >= 50, `fork records shed: ${fork?.shed}`);
    assert.equal(fork.sent, sentBefore, 'no fork record sent once shed (the host forks too: some may have been sent before)');
    assert.ok(names.filter((n) => n === 'process.fork').length <= sentBefore);
    assert.equal(session.counters().get('oom.victim')?.shed, 0, 'an urgent kind is never shed');
  } finally {
    if (session) {
      await session.stop().catch(() => undefined);
      session.close();
    }
    await scratch.remove();
    await memcg?.remove();
  }
});
