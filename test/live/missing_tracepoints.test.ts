/**
 * An event this kernel cannot run is reported by name with its reason and
 * the rest still work. Every seed tracepoint exists on our machines, so the
 * kernel's answer is taken from the addon and one program is struck from it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { EVENTS } from '../../src/events/catalog';
import { ProgramAvailability } from '../../src/kernel/availability';
import { nativeAddon } from '../../src/kernel/native';

function thisKernel(): ProgramAvailability {
  const bpf = new (nativeAddon().BpfSession)();
  try {
    return new ProgramAvailability(bpf.programs());
  } finally {
    bpf.close();
  }
}

test('this kernel has every tracepoint of the catalog', () => {
  const { unavailable } = thisKernel().partition(EVENTS);
  assert.deepEqual([...unavailable], []);
});

test('on a kernel without sched_process_hang, process.hang is missing by name and the other events stay', () => {
  const bpf = new (nativeAddon().BpfSession)();
  let programs;
  try {
    programs = bpf.programs().map((p) => (p.name === 'handle__sched_process_hang' ? { ...p, available: false } : p));
  } finally {
    bpf.close();
  }
  const { usable, unavailable } = new ProgramAvailability(programs).partition(EVENTS);
  assert.deepEqual([...unavailable], [['process.hang', 'this kernel has no sched/sched_process_hang tracepoint']]);
  assert.equal(usable.length, EVENTS.length - 1);
});

test('a program the verifier refused makes its event unavailable with the reason, and only it', () => {
  const availability = thisKernel();
  availability.refuse('handle__sched_process_exit', "the kernel refused handle__sched_process_exit: func 'sched_process_exit' doesn't have 2-th argument");
  const { usable, unavailable } = availability.partition(EVENTS);
  assert.deepEqual([...unavailable.keys()], ['process.exit']);
  assert.match(unavailable.get('process.exit') ?? '', /doesn't have 2-th argument/);
  assert.equal(usable.length, EVENTS.length - 1);
  assert.equal(availability.runnable('handle__sched_process_exit'), false);
  assert.equal(availability.runnable('handle__sched_process_fork'), true);
});
