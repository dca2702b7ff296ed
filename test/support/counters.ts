/** The kernel's per-event counters agree with what reached JavaScript. */
import assert from 'node:assert/strict';
import type { StreamResult } from './event_stream';

/**
 * For each of `names`: the event was delivered, the kernel saw at least as
 * many as were delivered, every record sent was delivered, none was lost or
 * filtered (live tests install no rules), and no record failed to decode.
 * For small workloads, where nothing may be lost.
 */
export function assertNothingLost(result: StreamResult, names: readonly string[]): void {
  assert.deepEqual(result.errors, [], 'reader errors');
  assert.equal(result.malformed, 0, 'records that failed to decode');
  for (const name of names) {
    const c = result.counters.get(name);
    const delivered = result.delivered.get(name) ?? 0;
    assert.ok(c, `counters for ${name}`);
    assert.ok(delivered > 0, `${name}: delivered ${delivered}`);
    assert.equal(c.lost, 0, `${name}: lost (seen ${c.seen}, sent ${c.sent})`);
    assert.equal(c.filtered, 0, `${name}: filtered in the kernel, though no rule was installed`);
    assert.ok(c.seen >= delivered, `${name}: seen ${c.seen} >= delivered ${delivered}`);
    assert.equal(c.sent, delivered, `${name}: sent ${c.sent} = delivered ${delivered}`);
  }
}
