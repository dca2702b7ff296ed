/**
 * A live kernel session: loads and attaches the programs for the events
 * asked for, streams decoded events in batches, and reports counters.
 */
import { EVENTS, eventByName, URGENT_KINDS_MASK } from '../events/catalog';
import { PATH_CACHE_EVENTS, type CgroupPaths } from '../events/cgroup_paths';
import { Decoder } from '../events/decoder';
import type { KernelEvent } from '../events/event';
import type { EventSpec } from '../events/types';
import { ProgramAvailability } from '../kernel/availability';
import { isBpfError, type BpfError, type BpfSessionHandle } from '../kernel/native';
import { refusalMessage } from '../kernel/refusal';
import { readCounters, type EventCounters } from './stats';
import type { RuleFilters } from '../kernel/filter_maps';
import { HOST_KERNEL, type KernelBackend } from './kernel_backend';
import { passAll, type KernelRuleSet } from '../kernel/kernel_rule_set';
import { attachProgram, withFallbacks } from './attach_program';
import { KernelSessionError } from './session_error';
import { RecordPump, DEFAULT_SLICE_MS, type PumpStats } from './record_pump';

export interface SessionOptions {
  /** catalog names; none is valid (a rule set with no rules) */
  readonly events: readonly string[];
  readonly onEvents: (events: readonly KernelEvent[]) => void;
  /** a reader failure; the session has stopped reading when it is called */
  readonly onError?: (error: Error) => void;
  readonly ringBytes?: number;
  /** records handed to JavaScript and not yet consumed, per ring, at most; default 4 MiB */
  readonly maxInFlightBytes?: number;
  /** longest run of decoding and consuming records before yielding to the event loop; default 5 ms */
  readonly sliceMs?: number;
  readonly cgroups?: CgroupPaths;
  /** what the kernel filters and counts; by default every record of `events` is sent */
  readonly ruleSet?: KernelRuleSet;
  /** load every program the kernel has, so that retarget() can attach any of them later */
  readonly loadAll?: boolean;
  /** the kernel to run on; default the host's */
  readonly kernel?: KernelBackend;
  /** the engine's time minus monotonic ms (Decoder's wallOffsetMs); default the wall clock's offset now */
  readonly clockOffsetMs?: number;
}

export class KernelSession {
  /** events asked for that cannot run on this kernel, with the reason for each */
  unavailable: ReadonlyMap<string, string>;
  /** events attached and streaming */
  attached: readonly string[];
  /** events that run through their fallback program, with what that costs and why */
  readonly degraded = new Map<string, string>();
  readonly decoder: Decoder;
  readonly filters: RuleFilters;
  readonly cgroups: CgroupPaths;
  private readonly pump: RecordPump;
  private stopped = false;
  /** each program attached for an event, to the program actually attached (itself or its fallback) */
  private readonly programs = new Map<string, string>();

  private constructor(
    readonly bpf: BpfSessionHandle,
    readonly availability: ProgramAvailability,
    decoder: Decoder,
    cgroups: CgroupPaths,
    kernel: KernelBackend,
    options: SessionOptions,
  ) {
    this.attached = [];
    this.unavailable = new Map();
    this.decoder = decoder;
    this.cgroups = cgroups;
    this.filters = kernel.filters(bpf, cgroups.directoryOf(0, '/'));
    this.pump = new RecordPump(decoder, options.onEvents, (urgent, bytes) => this.bpf.releaseBatch(urgent, bytes), {
      sliceMs: options.sliceMs ?? DEFAULT_SLICE_MS,
    });
  }

  static start(options: SessionOptions): KernelSession {
    const kernel = options.kernel ?? HOST_KERNEL;
    const refused = kernel.refusal();
    if (refused) throw new KernelSessionError(refused.message, refused.exitCode);
    const wanted = resolveEvents(options.events);
    const ringBytes = options.ringBytes ?? 16 << 20;
    const bpf = kernel.open(ringBytes, Math.max(4096, Math.min(ringBytes, 1 << 20)), URGENT_KINDS_MASK);
    try {
      const availability = new ProgramAvailability(bpf.programs());
      // with no rule set, every record of the events asked for, and the cgroup records that keep the path cache
      const ruleSet =
        options.ruleSet ?? passAll([...availability.partition(wanted).usable, ...PATH_CACHE_EVENTS.map((n) => eventByName(n) as EventSpec)].map((e) => e.kind));
      const toLoad = options.loadAll ? availability.present : programsFor(availability.partition(wanted).usable, ruleSet, availability);
      for (const refused of callBpf(() => bpf.load(withFallbacks(toLoad, availability)))) availability.refuse(refused.name, refusalMessage(refused));
      const cgroups = options.cgroups ?? kernel.cgroups();
      const decoder = new Decoder(cgroups, {
        deferReleases: true,
        ...(options.ruleSet ? {} : { emitted: wanted.map((e) => e.name) }),
        ...(options.clockOffsetMs === undefined ? {} : { wallOffsetMs: options.clockOffsetMs }),
      });
      const session = new KernelSession(bpf, availability, decoder, cgroups, kernel, options);
      session.filters.installFirst(ruleSet);
      session.attachFor(wanted, ruleSet);
      if (wanted.length > 0 && session.attached.length === 0) {
        const why = [...session.unavailable].map(([event, reason]) => `\n  ${event}: ${reason}`).join('');
        throw new KernelSessionError(`none of the events asked for can run on this kernel:${why}`, 1);
      }
      bpf.startReader((err, batch, urgent) => session.onBatch(err, batch, urgent, options), {
        maxInFlightBytes: options.maxInFlightBytes ?? DEFAULT_IN_FLIGHT_BYTES,
      });
      return session;
    } catch (e) {
      bpf.close();
      throw e;
    }
  }

  /**
   * Switches to another rule set: attaches what it needs, flips the filter
   * maps to it, then detaches what it no longer needs. Needs `loadAll` for
   * events the first set did not use.
   */
  async retarget(events: readonly string[], ruleSet: KernelRuleSet): Promise<number> {
    const wanted = resolveEvents(events);
    const before = new Map(this.programs);
    this.attachFor(wanted, ruleSet);
    const generation = await this.filters.install(ruleSet);
    const keep = new Set(programsFor(this.availability.partition(wanted).usable, ruleSet, this.availability));
    for (const [p, attachedAs] of before) {
      if (!keep.has(p)) {
        this.bpf.detach(attachedAs);
        this.programs.delete(p);
      }
    }
    return generation;
  }

  /**
   * Attaches the programs `events` and `ruleSet` need that are not attached
   * yet. A program that fails to attach is reported with its event, like one
   * the verifier refused; the others run.
   */
  private attachFor(wanted: readonly EventSpec[], ruleSet: KernelRuleSet): void {
    const needed = programsFor(this.availability.partition(wanted).usable, ruleSet, this.availability);
    for (const program of needed) {
      if (this.programs.has(program) || !this.availability.runnable(program)) continue;
      const attached = attachProgram(this.bpf, this.availability, program);
      if (!attached) continue;
      this.programs.set(program, attached.program);
      if (attached.degraded) this.degraded.set(attached.degraded.event, attached.degraded.reason);
    }
    const { usable, unavailable } = this.availability.partition(wanted);
    this.attached = usable.map((e) => e.name);
    this.unavailable = unavailable;
  }

  counters(): Map<string, EventCounters> {
    return readCounters(this.bpf);
  }

  /** How far behind the kernel consuming records is. */
  pumpStats(): PumpStats {
    return this.pump.stats();
  }

  /** Resolves once every record stamped before monotonic `ns` was consumed. */
  consumedPast(ns: bigint): Promise<void> {
    return this.pump.passed(ns);
  }

  /** How far behind the kernel the oldest record waiting is, in ms. */
  lagMs(): number {
    return this.pump.lagMs();
  }

  /**
   * Drops the records of the kinds in `mask` (bit `kind`), in the kernel
   * (counted as shed there) and those already waiting here (shedByEvent).
   */
  shed(mask: number): void {
    this.filters.shed(mask);
    this.pump.shed(mask);
  }

  /** Records dropped in userspace by shed(), per event. */
  get shedHere(): ReadonlyMap<string, number> {
    return this.pump.shedByEvent;
  }

  /** Detaches every program, delivers what is left in the ring buffers, frees it all. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const attachedAs of this.programs.values()) this.bpf.detach(attachedAs);
    await this.bpf.stopReader();
    this.pump.drain();
  }

  /** Frees the kernel objects; counters are gone after this. */
  close(): void {
    this.bpf.close();
  }

  private onBatch(err: BpfError | null, batch: Buffer | null, urgent: boolean, options: SessionOptions): void {
    if (err) {
      options.onError?.(err);
      return;
    }
    if (batch) this.pump.push(batch, urgent);
  }
}

/**
 * Programs that must run for the filters to stay right even when no rule
 * wants their records: cgroup mkdir/release keep `cgroup_rules` current for
 * cgroups created after load. Their records are dropped in the kernel then.
 * And those of every kind the rule set sends, asked for or not (the cgroup
 * records that keep the path cache).
 */
function programsFor(events: readonly EventSpec[], set: KernelRuleSet, availability: ProgramAvailability): string[] {
  const trackers = set.globStates.length === 0 ? [] : ['handle__cgroup_mkdir', 'handle__cgroup_release'];
  const sent = EVENTS.filter((e) => (set.kinds.get(e.kind)?.rules ?? 0n) !== 0n).map((e) => e.program);
  return [...new Set([...events.map((e) => e.program), ...[...trackers, ...sent].filter((p) => availability.runnable(p))])];
}

function resolveEvents(names: readonly string[]): EventSpec[] {
  return names.map((n) => {
    const spec = eventByName(n);
    if (!spec) throw new KernelSessionError(`unknown event '${n}' (see 'kernwatch events')`, 1);
    return spec;
  });
}

/**
 * Runs a libbpf call that names no single program (programs the kernel
 * refuses are reported by name, not thrown), turning its failure into a
 * one-line message. The capabilities were checked before: a permission error
 * now comes from a policy above them, and says so.
 */
function callBpf<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (!isBpfError(e)) throw e;
    if (e.errno === EPERM || e.errno === EACCES) {
      throw new KernelSessionError(
        `kernwatch is not allowed to load BPF programs although it has the capabilities (a seccomp filter, an LSM or kernel lockdown refused it): ${e.message}`,
        2,
        e.libbpfLog,
      );
    }
    throw new KernelSessionError(e.message, 1, e.libbpfLog);
  }
}

/** Bytes of records in JavaScript at most, per ring: about 20,000 records, a few ms to a few s of work. */
const DEFAULT_IN_FLIGHT_BYTES = 4 << 20;

const EPERM = 1;
const EACCES = 13;
