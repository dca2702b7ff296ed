/**
 * A tracepoint the running kernel lacks is reported by name and the rest
 * still work. Every seed tracepoint exists on our machines, so the kernel's
 * answer is taken from the addon and one program is struck from it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENTS } from '../src/events/catalog';
import { nativeAddon } from '../src/kernel/native';
import { partitionByKernel } from '../src/kernel/session';

test('this kernel has every tracepoint of the catalog', () => {
  const bpf = new (nativeAddon().BpfSession)();
  try {
    const missing = bpf.programs().filter((p) => !p.available);
    assert.deepEqual(missing.map((p) => p.tracepoint), []);
  } finally {
    bpf.close();
  }
});

test('on a kernel without sched_process_hang, process.hang is missing by name and the other events stay', () => {
  const bpf = new (nativeAddon().BpfSession)();
  let available: Map<string, boolean>;
  try {
    available = new Map(bpf.programs().map((p) => [p.name, p.available]));
  } finally {
    bpf.close();
  }
  available.set('handle__sched_process_hang', false);
  const { usable, missing } = partitionByKernel(EVENTS, available);
  assert.deepEqual(missing.map((e) => e.name), ['process.hang']);
  assert.equal(usable.length, EVENTS.length - 1);
});
