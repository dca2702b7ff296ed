/**
 * Which catalog events this kernel can run: every program is loaded and
 * attached once with no rules (every record is dropped in the kernel), then
 * everything is freed. What `kernwatch events` shows.
 */
import { EVENTS, URGENT_KINDS_MASK } from '../events/catalog';
import { ProgramAvailability } from '../kernel/availability';
import { missingBtf } from '../kernel/btf';
import { isBpfError, openBpfSession } from '../kernel/native';
import { canTrace } from '../kernel/privileges';
import { refusalMessage } from '../kernel/refusal';
import { attachProgram, withFallbacks } from './attach_program';

/** Per catalog event: undefined when it runs here, else why not. */
export type EventAvailability = ReadonlyMap<string, string | undefined>;

/** Undefined when this process may not load BPF programs; every event unavailable without BTF. */
export function probeEvents(): EventAvailability | undefined {
  const noBtf = missingBtf();
  if (noBtf) return new Map(EVENTS.map((e) => [e.name, noBtf]));
  if (!canTrace()) return undefined;
  const bpf = openBpfSession(64 << 10, 64 << 10, URGENT_KINDS_MASK);
  try {
    const availability = new ProgramAvailability(bpf.programs());
    let refusals;
    try {
      refusals = bpf.load(withFallbacks(availability.present, availability));
    } catch (e) {
      // a failure no single program caused (the ring buffer, a map): nothing runs
      if (!isBpfError(e)) throw e;
      return new Map(EVENTS.map((ev) => [ev.name, `loading kernwatch's BPF object failed: ${e.message}`]));
    }
    for (const refused of refusals) availability.refuse(refused.name, refusalMessage(refused));
    for (const e of EVENTS) {
      if (!availability.runnable(e.program)) continue;
      const attached = attachProgram(bpf, availability, e.program);
      if (attached) bpf.detach(attached.program);
    }
    return new Map(EVENTS.map((e) => [e.name, availability.reason(e)]));
  } finally {
    bpf.close();
  }
}
