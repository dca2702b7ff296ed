/**
 * Rules running on the live kernel: the compiled plan loaded into the BPF
 * filter maps, records and kernel counts fed to the evaluator, evaluation
 * every tick, kernel losses noted so alerts can say they are degraded.
 * reload() swaps in a new rule set atomically: records carry the generation
 * their rule bits belong to and are routed to that generation's evaluator,
 * whose unchanged rules share their state with the new one.
 */
import { EVENTS } from '../events/catalog';
import type { CgroupPaths } from '../events/cgroup_paths';
import { CgroupState } from '../events/cgroup_state';
import type { KernelEvent } from '../events/event';
import type { CheckedRule } from '../dsl';
import { KernelSession } from './session';
import { HOST_KERNEL, type KernelBackend } from './kernel_backend';
import { totalCounters, type EventCounters } from './stats';
import { Evaluator, DEFAULT_TICK_MS, type EvaluatorOptions, type EvaluatorStats } from '../engine/evaluator';
import { KernelCounts } from './kernel_counts';
import { planKernel, type KernelPlan } from '../engine/kernel_plan';
import type { AlertNotice } from '../engine/rule_state';
import type { EngineSnapshot } from '../engine/snapshot';
import type { PumpStats } from './record_pump';
import { OverloadController, sheddable, type Shedding } from './overload';

export interface LiveEngineOptions {
  readonly host: string;
  readonly onNotice: (notice: AlertNotice) => void;
  readonly onError?: (error: Error) => void;
  readonly tickMs?: number;
  readonly maxGroups?: number;
  /** the kernel's ring buffer of records; default 16 MiB */
  readonly ringBytes?: number;
  /** alert state an earlier process saved (snapshot()), taken back before the kernel attaches */
  readonly restore?: EngineSnapshot;
  /** records handed to JavaScript and not yet evaluated, per ring, at most (bytes) */
  readonly maxInFlightBytes?: number;
  /** shedding began (with what and why) or ended (undefined) */
  readonly onOverload?: (shedding: Shedding | undefined) => void;
  /** the kernel to run on; default the host's (a simulated one in tests: simulated_kernel.ts) */
  readonly kernel?: KernelBackend;
}

const monoNowMs = (): number => Number(process.hrtime.bigint()) / 1e6;

/**
 * The engine's time base that goes on from a snapshot's: now is its savedAt
 * plus the gap, which the monotonic clock measures exactly on the same boot
 * (a wall-clock step during the gap changes nothing) and only the wall clock
 * can after a reboot. A snapshot without its clock (an older kernwatch) is
 * taken at the wall clock's word, as before. A gap measured below zero (the
 * wall clock stepped back across a reboot) counts as none.
 */
function clockOffsetAfter(snapshot: EngineSnapshot, bootId: string): number | undefined {
  const saved = snapshot.clock;
  if (!saved) return undefined;
  const gap = saved.bootId !== '' && saved.bootId === bootId ? monoNowMs() - saved.monoMs : Date.now() - saved.wallMs;
  return snapshot.savedAt + Math.max(0, gap) - monoNowMs();
}

/** A difference between the wall clock and the engine's larger than this is a step of the wall clock. */
const WALL_STEP_MS = 1_000;

function onWallClock(notice: AlertNotice, offsetMs: number): AlertNotice {
  const a = notice.alert;
  const endsAt = a.endsAt === undefined ? {} : { endsAt: a.endsAt + offsetMs };
  return { ...notice, alert: { ...a, startsAt: a.startsAt + offsetMs, at: a.at + offsetMs, ...endsAt } };
}

/** Records reach JavaScript within a few flushes of the ring reader (10 ms each). */
const LATENESS_MS = 100;

export interface UnavailableEvent {
  readonly event: string;
  readonly reason: string;
  /** names of the rules that use it: they cannot fire */
  readonly rules: readonly string[];
}

export interface LiveStats {
  readonly counters: ReadonlyMap<string, EventCounters>;
  readonly total: EventCounters;
  readonly evaluator: EvaluatorStats;
  readonly delivered: number;
  /** records decoded in userspace, per event */
  readonly deliveredByEvent: ReadonlyMap<string, number>;
  /** per catalog event: undefined when this kernel runs it, else why not */
  readonly unavailable: ReadonlyMap<string, string | undefined>;
  /** the BPF object loaded: `compat` on kernels without bpf_loop() */
  readonly bpfObject: 'main' | 'compat';
  /** how far behind the kernel consuming records runs */
  readonly pump: PumpStats;
  /** ticks that ran more than a tick late, and the latest one's delay in ms */
  readonly ticksLate: number;
  readonly tickDelayMs: number;
  /** what is shed now, if anything, and how often shedding began */
  readonly shedding: Shedding | undefined;
  readonly overloadEpisodes: number;
  /** records shed in userspace (already waiting when shedding began), per event; the kernel's are in `counters` */
  readonly shedHere: ReadonlyMap<string, number>;
  /** records of a rule set generation no longer routed anywhere (should stay 0) */
  readonly unrouted: number;
  /** records decoded before their cgroup's path was known, per event: cgroup fields absent, counted as loss */
  readonly unresolved: ReadonlyMap<string, number>;
}

export class LiveEngine {
  private readonly timer: NodeJS.Timeout;
  /** per generation: the evaluator its records and counts go to */
  private readonly evaluators: Array<Evaluator | undefined> = [undefined, undefined];
  private current: Evaluator;
  /** per event: records lost, missed or shed, as last noted */
  private readonly lost = new Map<string, number>();
  private readonly overload: OverloadController;
  private delivered = 0;
  private readonly deliveredByEvent = new Map<string, number>();
  private stopped = false;
  private reloading: Promise<unknown> = Promise.resolve();
  /** resolves once the generation the last reload left has no record left to route */
  private retiring: Promise<void> = Promise.resolve();
  private unrouted = 0;
  private lastTickAt: number | undefined;
  private ticksLate = 0;
  private tickDelayMs = 0;

  private constructor(
    private planNow: KernelPlan,
    private readonly session: KernelSession,
    evaluator: Evaluator,
    private readonly counts: KernelCounts,
    private readonly cgroups: CgroupPaths,
    private readonly evaluatorOptions: EvaluatorOptions,
    private readonly options: LiveEngineOptions,
    private readonly bootId: string,
  ) {
    this.current = evaluator;
    this.evaluators[session.filters.active] = evaluator;
    this.overload = new OverloadController(sheddable(planNow.selections));
    this.timer = setInterval(() => this.tick(), evaluatorOptions.tickMs ?? DEFAULT_TICK_MS);
  }

  static start(rules: readonly CheckedRule[], options: LiveEngineOptions): LiveEngine {
    const kernel = options.kernel ?? HOST_KERNEL;
    const cgroups = kernel.cgroups();
    const plan = planKernel(rules, cgroups.tree(0));
    const evaluatorOptions: EvaluatorOptions = {
      host: options.host,
      tickMs: options.tickMs ?? DEFAULT_TICK_MS,
      ...(options.maxGroups ? { maxGroups: options.maxGroups } : {}),
    };
    const evaluator = new Evaluator(plan, evaluatorOptions, (n) => engine?.notify(n));
    let engine: LiveEngine | undefined;
    const bootId = kernel.bootId();
    const offset = options.restore ? clockOffsetAfter(options.restore, bootId) : undefined;
    const session = KernelSession.start({
      kernel,
      ...(offset === undefined ? {} : { clockOffsetMs: offset }),
      events: plan.events,
      ruleSet: plan.kernel,
      cgroups,
      loadAll: true,
      ...(options.ringBytes ? { ringBytes: options.ringBytes } : {}),
      ...(options.maxInFlightBytes ? { maxInFlightBytes: options.maxInFlightBytes } : {}),
      onEvents: (batch) => engine?.onEvents(batch),
      ...(options.onError ? { onError: options.onError } : {}),
    });
    const counts = new KernelCounts(session.bpf, cgroups);
    counts.setAggregates(session.filters.active, plan.kernel.aggregates);
    engine = new LiveEngine(plan, session, evaluator, counts, cgroups, evaluatorOptions, options, bootId);
    // on the engine's clock, before the first tick: deadlines the snapshot kept go on from where they were
    if (options.restore) engine.restored = evaluator.restore(options.restore, engine.now(), new CgroupState(cgroups));
    return engine;
  }

  /**
   * Engine times are monotonic, set against the wall clock at start; a
   * notice's wall times (startsAt, at, endsAt) are said as the wall clock
   * reads when it is made. The offset moves only when the wall clock moved
   * by more than a second against the monotonic one (a step, or long
   * slewing), so an alert's startsAt, which names its email thread, is the
   * same in each of its notices unless the clock was stepped in between.
   */
  private wallOffsetMs = 0;

  private notify(notice: AlertNotice): void {
    const drift = Date.now() - this.now();
    if (Math.abs(drift - this.wallOffsetMs) > WALL_STEP_MS) this.wallOffsetMs = drift;
    this.options.onNotice(this.wallOffsetMs === 0 ? notice : onWallClock(notice, this.wallOffsetMs));
  }

  /** What start() took back from `restore`: the rules restored, and those left behind with why. */
  restored: ReturnType<Evaluator['restore']> | undefined;

  /** The running rules' alert state, for the next process. */
  snapshot(): EngineSnapshot {
    const clock = { bootId: this.bootId, monoMs: monoNowMs(), wallMs: Date.now() };
    return { ...this.current.snapshot(this.now(), this.evaluatorOptions.host), clock };
  }

  /**
   * The engine's time: the clock records are stamped with (monotonic, set
   * against the wall clock once at start), so ticks and records stay in the
   * same windows whatever the wall clock does.
   */
  now(): number {
    return this.session.decoder.now();
  }

  get plan(): KernelPlan {
    return this.planNow;
  }

  /** Events the rules use that cannot run on this kernel: why, and the rules that use them. */
  unavailable(): UnavailableEvent[] {
    return [...this.session.unavailable].map(([event, reason]) => ({ event, reason, rules: this.rulesOn(event) }));
  }

  /** Events the rules use that run through a fallback program: what that costs and why, and the rules that use them. */
  degraded(): UnavailableEvent[] {
    return [...this.session.degraded].map(([event, reason]) => ({ event, reason, rules: this.rulesOn(event) })).filter((d) => d.rules.length > 0);
  }

  private rulesOn(event: string): string[] {
    return [...new Set(this.planNow.selections.filter((s) => s.spec.name === event).map((s) => s.rule.name))];
  }

  /**
   * Replaces the rule set. Compiles first, so a plan that cannot be built
   * throws and leaves the running rules untouched. Reloads run one at a time.
   */
  reload(rules: readonly CheckedRule[]): Promise<KernelPlan> {
    const run = this.reloading.then(() => this.swap(rules));
    this.reloading = run.catch(() => undefined);
    return run;
  }

  private async swap(rules: readonly CheckedRule[]): Promise<KernelPlan> {
    if (this.stopped) throw new Error('engine is stopped');
    // the cgroups now, read off the event loop: a synchronous walk of 20,000 takes 200 ms
    const plan = planKernel(rules, await this.cgroups.treeInSteps(0));
    // the slot the new rules go into may still route records of the rules before the last reload
    await this.retiring;
    const previous = this.current;
    const next = new Evaluator(plan, this.evaluatorOptions, (n) => this.notify(n), previous);
    const oldGeneration = this.session.filters.active;
    const newGeneration = 1 - oldGeneration;
    this.evaluators[newGeneration] = next;
    this.counts.setAggregates(newGeneration, plan.kernel.aggregates);
    try {
      await this.session.retarget(plan.events, plan.kernel);
    } catch (e) {
      this.evaluators[newGeneration] = undefined;
      throw e;
    }
    // programs that read the old generation have finished (retarget waited for them): its
    // last counts are final, and its records are all stamped before now
    const flippedNs = process.hrtime.bigint();
    const now = this.now();
    for (const d of this.counts.drain(oldGeneration)) previous.onCount(now, d.bit, d.n, d.group, d.max ?? d.sum);
    this.current = next;
    this.planNow = plan;
    this.applyShedding(this.overload.replan(sheddable(plan.selections)));
    // records of the old generation still in the rings or waiting to be evaluated go to
    // `previous` until every record stamped before the flip was consumed; then it is dropped
    this.retiring = this.session.consumedPast(flippedNs).then(() => {
      if (this.evaluators[oldGeneration] === previous) this.evaluators[oldGeneration] = undefined;
    });
    return plan;
  }

  private onEvents(batch: readonly KernelEvent[]): void {
    this.delivered += batch.length;
    for (const e of batch) {
      this.deliveredByEvent.set(e.name, (this.deliveredByEvent.get(e.name) ?? 0) + 1);
      const evaluator = this.evaluators[e.generation];
      if (evaluator) evaluator.onEvent(e);
      else this.unrouted++; // a generation retired with records still to come: a bug, counted
    }
  }

  private tick(): void {
    const now = this.now();
    const tickMs = this.evaluatorOptions.tickMs ?? DEFAULT_TICK_MS;
    if (this.lastTickAt !== undefined) {
      this.tickDelayMs = Math.max(0, now - this.lastTickAt - tickMs);
      if (this.tickDelayMs > tickMs) this.ticksLate++;
    }
    this.lastTickAt = now;
    // one epoch a tick, and one read of the counts for every generation
    const counted = this.counts.read(this.counts.step(), now);
    for (const generation of [0, 1]) {
      const evaluator = this.evaluators[generation];
      if (!evaluator) continue;
      for (const d of counted.get(generation) ?? []) evaluator.onCount(now, d.bit, d.n, d.group, d.max ?? d.sum);
    }
    this.noteLosses(now);
    if (this.overload.observe(now, this.session.lagMs())) {
      this.applyShedding(this.overload.shedding);
      this.options.onOverload?.(this.overload.shedding);
    }
    this.current.advanceTo(now - LATENESS_MS);
  }

  /**
   * Records the ring buffer could not take, firings the kernel skipped,
   * records shed, and records decoded without their cgroup's path (not known
   * yet: a rule on it could not match), per event.
   */
  private noteLosses(now: number): void {
    const here = this.session.shedHere;
    const unresolved = this.session.decoder.stats.unresolved;
    for (const [event, c] of this.session.counters()) {
      const lost = c.lost + c.missed + c.shed + (here.get(event) ?? 0) + (unresolved.get(event) ?? 0);
      const before = this.lost.get(event) ?? 0;
      if (lost > before) this.current.noteLoss(now, lost - before, event);
      this.lost.set(event, lost);
    }
  }

  private applyShedding(shedding: Shedding | undefined): void {
    this.session.shed(shedding?.mask ?? 0);
  }

  stats(): LiveStats {
    const counters = this.session.counters();
    return {
      counters,
      total: totalCounters(counters),
      evaluator: this.current.stats(),
      delivered: this.delivered,
      deliveredByEvent: new Map(this.deliveredByEvent),
      unavailable: new Map(EVENTS.map((e) => [e.name, this.session.availability.reason(e)])),
      bpfObject: this.session.bpf.compat ? 'compat' : 'main',
      pump: this.session.pumpStats(),
      ticksLate: this.ticksLate,
      tickDelayMs: this.tickDelayMs,
      shedding: this.overload.shedding,
      overloadEpisodes: this.overload.episodes,
      shedHere: new Map(this.session.shedHere),
      unrouted: this.unrouted,
      unresolved: new Map(this.session.decoder.stats.unresolved),
    };
  }

  /** Detaches, delivers what is left, evaluates it, frees the kernel side. Returns the final stats. */
  async stop(): Promise<LiveStats> {
    if (this.stopped) throw new Error('engine already stopped');
    this.stopped = true;
    await this.reloading;
    clearInterval(this.timer);
    await this.session.stop();
    this.tick();
    this.current.advanceTo(this.now() + (this.evaluatorOptions.tickMs ?? DEFAULT_TICK_MS));
    const stats = this.stats();
    this.session.close();
    return stats;
  }
}
