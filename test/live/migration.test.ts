/**
 * Compaction run by a child of the test: the migration passes, the migration
 * PTEs replaced and the per-CPU page drains all happen in that child's
 * context, so each event can be tied to it by pid.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { KernelEvent } from '../../src/events/event';
import { collect, collected } from '../support/collect';
import { compactMemory } from '../support/compaction';
import { assertNothingLost } from '../support/counters';
import { EventStream } from '../support/event_stream';
import { NEEDS_ROOT } from '../support/root';

const EVENTS = ['migrate.start', 'migrate.pages', 'migrate.remove_pte', 'mem.pcpu_drain'];
const MODES = ['async', 'sync_light', 'sync'];
const WAIT_MS = 5_000;

test(
  'compacting memory reports migration passes with reason=compaction, replaced migration PTEs and per-CPU drains from the compacting task',
  { skip: NEEDS_ROOT, timeout: 60_000 },
  async () => {
    const stream = EventStream.open(EVENTS);
    try {
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
      assert.notEqual(pte.fields.addr, '0x0');
      assert.notEqual(pte.fields.pte, '0x0');
      assert.ok((pte.fields.order as number) >= 0 && (pte.fields.order as number) <= 10, `order ${pte.fields.order}`);
      const ptes = collected(stream, { name: 'migrate.remove_pte', where: byCompactor }).length;
      assert.ok(ptes <= migrated, `${ptes} PTEs replaced for ${migrated} pages migrated`);

      const drain = await collect(stream, { name: 'mem.pcpu_drain', where: byCompactor, describe: `from compactor ${pid}` }, WAIT_MS);
      assert.ok((drain.fields.pfn as number) > 0, 'pfn');
      assert.ok((drain.fields.order as number) >= 0 && (drain.fields.order as number) <= 10, `order ${drain.fields.order}`);
      assert.ok((drain.fields.migratetype as number) >= 0 && (drain.fields.migratetype as number) < 8, `migratetype ${drain.fields.migratetype}`);
    } finally {
      assertNothingLost(await stream.close(), EVENTS);
    }
  },
);
