/** A window's edges, as docs/engine.md states them: at tick T, `within W` counts the events of [T - W, T). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Window } from '../../src/engine/window';

const TICK_MS = 100;

test('a window at tick T counts [T - W, T): an event at T - W counts, one at T only from the next tick', () => {
  // within 1s: ten ticks
  const w = new Window('count', TICK_MS, 10);
  w.add(1000, 1);
  w.add(1999, 1);
  w.add(2000, 1);
  assert.equal(w.valueAt(20), 2, 'at T = 2000 ms: the events at 1000 and 1999, not the one at 2000');
  assert.equal(w.valueAt(21), 2, 'at T = 2100 ms: 1000 has left, 2000 has come');
  const before = new Window('count', TICK_MS, 10);
  before.add(999, 1);
  assert.equal(before.valueAt(20), 0, 'an event just before T - W is out');
});
