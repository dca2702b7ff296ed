/**
 * Attaching one event's program, with the catalog's fallback when the
 * kernel will not attach it. The one case today: mem.pcpu_drain's classic
 * tracepoint needs tracefs and perf_event_open(), which Debian's and
 * Ubuntu's kernels refuse without CAP_SYS_ADMIN (kernel.perf_event_paranoid
 * is 3 there, a distribution patch); its BTF twin needs neither and gives
 * every field but the pfn.
 */
import { EVENTS } from '../events/catalog';
import type { EventSpec } from '../events/types';
import type { ProgramAvailability } from '../kernel/availability';
import { isBpfError, type BpfSessionHandle } from '../kernel/native';
import { ensureTracefs, TracefsError } from '../kernel/tracefs';

const CLASSIC = 'handle__mm_page_pcpu_drain';

/** event by its main program, for the events that have a fallback */
const WITH_FALLBACK = new Map(EVENTS.filter((e) => e.fallback !== undefined).map((e) => [e.program, e]));

/** `programs` and the fallbacks of those that have one, for loading alongside. */
export function withFallbacks(programs: readonly string[], availability: ProgramAvailability): string[] {
  const fallbacks = programs.flatMap((p) => WITH_FALLBACK.get(p)?.fallback?.program ?? []);
  return [...new Set([...programs, ...fallbacks.filter((f) => availability.present.includes(f))])];
}

export interface Attached {
  /** the program attached: `program` itself or its fallback */
  readonly program: string;
  /** when the fallback runs: the event, and what it costs and why */
  readonly degraded?: { readonly event: string; readonly reason: string };
}

/**
 * Attaches `program`, or its event's fallback when `program` cannot be
 * attached. Undefined when neither runs; `program` is then refused in
 * `availability` with the reasons, so its event reports them.
 */
export function attachProgram(bpf: BpfSessionHandle, availability: ProgramAvailability, program: string): Attached | undefined {
  let failure: string;
  try {
    if (program === CLASSIC) ensureTracefs();
    bpf.attach(program);
    return { program };
  } catch (e) {
    if (!isBpfError(e) && !(e instanceof TracefsError)) throw e;
    failure = `attaching ${program} failed: ${e.message}`;
  }
  const event: EventSpec | undefined = WITH_FALLBACK.get(program);
  const fallback = event?.fallback;
  if (event && fallback && availability.runnable(fallback.program)) {
    try {
      bpf.attach(fallback.program);
      return { program: fallback.program, degraded: { event: event.name, reason: `${failure}; runs as ${fallback.program} instead (${fallback.loses})` } };
    } catch (e) {
      if (!isBpfError(e)) throw e;
      failure += `; so did ${fallback.program}: ${e.message}`;
    }
  }
  availability.refuse(program, failure);
  return undefined;
}
