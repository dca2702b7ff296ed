/**
 * Compaction run by a child of the test: the migration passes and the
 * migration PTEs replaced happen in that child's context, so each event can
 * be tied to it by pid. Per-CPU page drains come with compaction too, but
 * mostly from kworkers and only sometimes from the compacting task (the
 * kernel auto-tunes how many pages per-CPU lists hold), so they are tied to
 * the compaction's time window instead.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KernelEvent } from '../../src/events/event';
import { collect, collected } from '../support/collect';
import { compactMemory } from '../support/compaction';
import { pfnRange } from '../support/page_frames';
import { NEEDS_ROOT } from '../support/root';
import { tracepointsMissing } from '../support/kernel_events';
import { withEvents } from '../support/with_events';

const EVENTS = ['migrate.start', 'migrate.pages', 'migrate.remove_pte'];
const MODES = ['async', 'sync_light', 'sync'];
const WAIT_MS = 5_000;
/** x86_64 user space ends at 2^47 (4-level paging; 2^56 with 5-level) */
const USER_SPACE_END = 1n << 56n;

test(
  'compacting memory reports migration passes with reason=compaction and replaced migration PTEs from the compacting task',
  { skip: NEEDS_ROOT || tracepointsMissing(EVENTS), timeout: 60_000 },
  async () => {
    await withEvents(EVENTS, async (stream) => {
      const { pid } = await compactMemory(64);
      const byCompactor = (e: KernelEvent): boolean => e.fields.pid === pid;

      const start = await collect(stream, { name: 'migrate.start', where: byCompactor, describe: `from compactor ${pid}` }, WAIT_MS);
      assert.equal(start.fields.reason, 'compaction');
      assert.ok(MODES.includes(start.fields.mode as string), `mode ${start.fields.mode}`);

      await collect(stream, { name: 'migrate.pages', where: byCompactor, describe: `from compactor ${pid}` }, WAIT_MS);
      const passes = collected(stream, { name: 'migrate.pages', where: byCompactor });
      for (const p of passes) {
        assert.equal(p.fields.reason, 'compaction');
        assert.ok(MODES.includes(p.fields.mode as string), `mode ${p.fields.mode}`);
      }
      const migrated = passes.reduce((n, p) => n + (p.fields.succeeded as number), 0);
      assert.ok(migrated > 0, `pages migrated in ${passes.length} passes`);
      assert.ok(
        passes.every((p) => (p.fields.succeeded as number) + (p.fields.failed as number) < 1 << 20),
        'succeeded/failed are page counts, not garbage',
      );

      const pte = await collect(stream, { name: 'migrate.remove_pte', where: byCompactor, describe: `from compactor ${pid}` }, WAIT_MS);
      assert.match(pte.fields.addr as string, /^0x[0-9a-f]+$/);
      const addr = BigInt(pte.fields.addr as string);
      assert.ok(addr > 0n && addr < USER_SPACE_END, `addr ${pte.fields.addr} is a user-space address`);
      assert.notEqual(pte.fields.pte, '0x0');
      assert.ok((pte.fields.order as number) >= 0 && (pte.fields.order as number) <= 10, `order ${pte.fields.order}`);
    });
  },
);

test(
  "per-CPU page drains during compaction are reported with a pfn inside this machine's memory, an order and a migratetype",
  { skip: NEEDS_ROOT, timeout: 60_000 },
  async () => {
    await withEvents(['mem.pcpu_drain'], async (stream) => {
      // a compaction pass drains the per-CPU lists only when they hold pages
      // to give back, which a pass right after another may find empty: up to
      // three passes, each with fresh dirty memory
      const from = process.hrtime.bigint();
      const afterCompaction = { name: 'mem.pcpu_drain', where: (e: KernelEvent) => e.monoNs >= from, describe: 'after compaction began' };
      for (let pass = 1; pass <= 3; pass++) {
        await compactMemory(64);
        const drained = await collect(stream, afterCompaction, WAIT_MS).then(
          () => true,
          (e: unknown) => (pass === 3 ? Promise.reject(e as Error) : false),
        );
        if (drained) break;
      }
      const { first, end } = pfnRange();
      const drains = collected(stream, { name: 'mem.pcpu_drain' });
      for (const d of drains) {
        const { pfn, order, migratetype } = d.fields as { pfn: number; order: number; migratetype: number };
        assert.ok(pfn >= first && pfn + 2 ** order <= end, `pfn ${pfn} (order ${order}) lies in [${first}, ${end})`);
        assert.ok(order >= 0 && order <= 10, `order ${order}`);
        assert.ok(migratetype >= 0 && migratetype < 6, `migratetype ${migratetype}`);
      }
    });
  },
);
