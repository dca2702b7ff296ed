/**
 * Which catalog events this kernel defines a tracepoint for. Older kernels
 * lack some (5.10 has no exit_mmap, mm_migrate_pages_start or
 * remove_migration_pte): a test of those skips there with the reason, while
 * a program the kernel refuses is never a reason to skip.
 */
import { EVENTS } from '../../src/events/catalog';
import { nativeAddon } from '../../src/kernel/native';

let present: Set<string> | undefined;

function tracepointsHere(): Set<string> {
  if (!present) {
    const bpf = new (nativeAddon().BpfSession)();
    try {
      const programs = new Map(bpf.programs().map((p) => [p.name, p.available]));
      present = new Set(EVENTS.filter((e) => programs.get(e.program) === true).map((e) => e.name));
    } finally {
      bpf.close();
    }
  }
  return present;
}

/** The events of `events` whose tracepoint this kernel defines. */
export function onThisKernel(events: readonly string[]): string[] {
  return events.filter((e) => tracepointsHere().has(e));
}

/** A skip reason naming the events whose tracepoint this kernel lacks, or false. */
export function tracepointsMissing(events: readonly string[]): string | false {
  const missing = events.filter((e) => !tracepointsHere().has(e));
  return missing.length === 0 ? false : `this kernel has no tracepoint for ${missing.join(', ')}`;
}
