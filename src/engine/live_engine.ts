/**
 * Rules running on the live kernel: the compiled plan loaded into the BPF
 * filter maps, records and kernel counts fed to the evaluator, evaluation
 * every tick, kernel losses noted so alerts can say they are degraded.
 */
import { CgroupPaths } from '../events/cgroup_paths';
import type { CheckedRule } from '../dsl/checked_rule';
import { KernelSession } from '../kernel/session';
import { totalCounters, type EventCounters } from '../kernel/stats';
import { Evaluator, DEFAULT_TICK_MS, type EvaluatorStats } from './evaluator';
import { KernelCounts } from './kernel_counts';
import { planKernel, type KernelPlan } from './kernel_plan';
import type { AlertNotice } from './rule_state';

export interface LiveEngineOptions {
  readonly host: string;
  readonly onNotice: (notice: AlertNotice) => void;
  readonly onError?: (error: Error) => void;
  readonly tickMs?: number;
  readonly maxGroups?: number;
}

/** Records reach JavaScript within a few flushes of the ring reader (10 ms each). */
const LATENESS_MS = 100;

export interface LiveStats {
  readonly counters: ReadonlyMap<string, EventCounters>;
  readonly total: EventCounters;
  readonly evaluator: EvaluatorStats;
  readonly delivered: number;
}

export class LiveEngine {
  private readonly timer: NodeJS.Timeout;
  private lost = 0;
  private delivered = 0;
  private stopped = false;

  private constructor(
    readonly plan: KernelPlan,
    private readonly session: KernelSession,
    private readonly evaluator: Evaluator,
    private readonly counts: KernelCounts,
    private readonly tickMs: number,
  ) {
    this.timer = setInterval(() => this.tick(), tickMs);
  }

  static start(rules: readonly CheckedRule[], options: LiveEngineOptions): LiveEngine {
    const cgroups = CgroupPaths.forHost();
    const plan = planKernel(rules, cgroups.tree(0));
    const tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    const evaluator = new Evaluator(plan, { host: options.host, tickMs, ...(options.maxGroups ? { maxGroups: options.maxGroups } : {}) }, options.onNotice);
    let engine: LiveEngine | undefined;
    const session = KernelSession.start({
      events: plan.events,
      ruleSet: plan.kernel,
      cgroups,
      onEvents: (batch) => {
        if (engine) engine.delivered += batch.length;
        evaluator.onEvents(batch);
      },
      ...(options.onError ? { onError: options.onError } : {}),
    });
    const groupBy = new Map(plan.selections.filter((s) => s.counted).map((s) => [s.bit, s.groupBy]));
    engine = new LiveEngine(plan, session, evaluator, new KernelCounts(session.bpf, groupBy, cgroups), tickMs);
    return engine;
  }

  /** Events asked for that this kernel does not have. */
  get missing(): readonly string[] {
    return this.session.missing;
  }

  private tick(): void {
    const now = Date.now();
    for (const d of this.counts.read(this.session.filters.active)) this.evaluator.onCount(now, d.bit, d.n, d.group);
    const lost = totalCounters(this.session.counters()).lost;
    if (lost > this.lost) this.evaluator.noteLoss(now, lost - this.lost);
    this.lost = lost;
    this.evaluator.advanceTo(now - LATENESS_MS);
  }

  stats(): LiveStats {
    const counters = this.session.counters();
    return { counters, total: totalCounters(counters), evaluator: this.evaluator.stats(), delivered: this.delivered };
  }

  /** Detaches, delivers what is left, evaluates it, frees the kernel side. Returns the final stats. */
  async stop(): Promise<LiveStats> {
    if (this.stopped) throw new Error('engine already stopped');
    this.stopped = true;
    clearInterval(this.timer);
    await this.session.stop();
    this.tick();
    this.evaluator.advanceTo(Date.now() + this.tickMs);
    const stats = this.stats();
    this.session.close();
    return stats;
  }
}
