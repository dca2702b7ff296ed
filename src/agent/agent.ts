/**
 * The production agent behind `kernwatch run`: the rule set on the live
 * engine, every alert change routed to the notifiers its rule names,
 * reloads that keep the running rules when the new ones are broken,
 * /metrics, self-alerts, and a shutdown that detaches, then flushes.
 */
import type { KernelBackend } from '../live/kernel_backend';
import { performance } from 'node:perf_hooks';
import type { Config } from '../config/config';
import type { Notification } from '../engine/alert';
import { LiveEngine } from '../live/live_engine';
import { ENTER_LAG_MS } from '../live/overload';
import { LoopDelay } from './loop_delay';
import type { AlertNotice, Change } from '../engine/rule_state';
import { Dispatcher } from '../notifiers/dispatcher';
import type { AgentLog } from './log';
import { agentMetrics, type AgentCounters } from './metrics';
import { MetricsServer } from './metrics_server';
import { emptiedRuleFiles, loadRuleSet, type RuleSet } from './rule_set';
import { DEFAULT_MAX_WAIT_MS, DEFAULT_QUIET_MS, RuleWatcher } from './rule_watcher';
import { SelfMonitor, type SelfNotice } from './self_alerts';
import { ruleSetChanges } from '../dsl';
import { AlertStateFile } from './alert_state_file';
import { systemClock, type Clock } from '../notifiers/clock';
import { StateDirLock } from './state_dir_lock';

export interface AgentOptions {
  readonly log: AgentLog;
  /** reload when a rule file changes */
  readonly watch: boolean;
  /** self-monitoring and delivery wait on its monotonic clock; wall time only in what they show. Default the system's */
  readonly clock?: Clock;
  /** the kernel the rules run on; default the host's (tests run the agent on a simulated one) */
  readonly kernel?: KernelBackend;
}

/** at shutdown, how long pending notifications may take to go out; the rest stay in the outbox */
const FLUSH_MS = 10_000;

export type ReloadReason = 'SIGHUP' | 'watch';

interface Running {
  readonly ruleSet: RuleSet;
  readonly loadedAt: number;
}

export class Agent {
  private engine: LiveEngine | undefined;
  private behind = false;
  private readonly loopDelay = new LoopDelay();
  private dispatcher: Dispatcher | undefined;
  private metrics: MetricsServer | undefined;
  private watcher: RuleWatcher | undefined;
  private sampler: NodeJS.Timeout | undefined;
  private readonly monitor: SelfMonitor;
  private readonly clock: Clock;
  /** notifications raised before the dispatcher was open (the engine starts first) */
  private early: { notifier: string; notification: Notification }[] = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly stateFile: AlertStateFile;
  private saveQueued = false;
  private readonly notifications = new Map<string, Map<Change, number>>();
  private readonly reloads = { success: 0, failure: 0 };
  private reloadChain: Promise<unknown> = Promise.resolve();
  private reloadQueued: Promise<boolean> | undefined;
  private stopping = false;
  private failure: ((e: Error) => void) | undefined;
  /** rejects when the engine can no longer read events: the agent must exit and be restarted */
  readonly failed: Promise<never>;

  private constructor(
    private readonly config: Config,
    private readonly lock: StateDirLock,
    private running: Running,
    private readonly options: AgentOptions,
  ) {
    this.failed = new Promise<never>((_resolve, reject) => {
      this.failure = reject;
    });
    this.failed.catch(() => undefined);
    this.clock = options.clock ?? systemClock;
    this.monitor = new SelfMonitor(
      config.selfAlerts,
      config.host,
      (n) => this.routeSelf(n),
      () => this.clock.wallNow(),
    );
    this.stateFile = new AlertStateFile(config.stateDir, options.log);
  }

  /**
   * Takes the state directory's lock first: a second agent is refused
   * (StateDirError) before it reads or writes anything there. Then reads
   * alerts.json, starts the engine (KernelSessionError, exit 2, where BPF
   * cannot load), opens the outboxes, /metrics and the watcher.
   */
  static async start(config: Config, ruleSet: RuleSet, options: AgentOptions): Promise<Agent> {
    const lock = await StateDirLock.take(config.stateDir);
    const agent = new Agent(config, lock, { ruleSet, loadedAt: Date.now() }, options);
    try {
      await agent.open();
    } catch (e) {
      await agent.teardown(true);
      throw e;
    }
    return agent;
  }

  private async open(): Promise<void> {
    const { log } = this.options;
    const rs = this.running.ruleSet;
    for (const w of rs.warnings) log.warn(diagnosticFields(w), 'rule warning');
    const saved = await this.stateFile.load();
    this.engine = LiveEngine.start(rs.rules, {
      host: this.config.host,
      ringBytes: this.config.ringBytes,
      maxInFlightBytes: this.config.recordsInFlightBytes,
      ...(this.options.kernel ? { kernel: this.options.kernel } : {}),
      ...(saved ? { restore: saved } : {}),
      onNotice: (n) => this.route(n),
      onOverload: (shedding) => {
        if (shedding) {
          log.warn(
            { lagMs: Math.round(shedding.lagMs), shed: shedding.events, degradedRules: shedding.rules },
            'falling behind the kernel: shedding high-rate records; the rules on them are degraded',
          );
        } else log.info({}, 'keeping up with the kernel again: no longer shedding');
        this.monitor.overloadChanged(this.clock.now(), shedding);
      },
      onError: (e) => {
        log.error({ err: e }, 'reading kernel events failed; exiting so the service manager restarts kernwatch');
        this.failure?.(e);
      },
    });
    this.monitor.attached(this.clock.now());
    if (saved && this.engine.restored) {
      const { restored, dropped } = this.engine.restored;
      log.info({ file: this.stateFile.file, saved: new Date(saved.savedAt).toISOString(), restored, dropped }, 'alert state restored');
    }
    this.warnUnavailable();
    const unwritable = this.lock.unwritable;
    this.dispatcher = await Dispatcher.open(this.config, { log, clock: this.clock, ...(unwritable !== undefined ? { unwritable } : {}) });
    const early = this.early;
    this.early = [];
    for (const e of early) this.send(e.notifier, e.notification);
    if (this.config.metricsListen !== undefined) {
      this.metrics = await MetricsServer.start(this.config.metricsListen, { page: () => this.metricsText(), ready: () => this.ready() });
    }
    this.sampler = setInterval(() => this.sample(), sampleInterval(this.config));
    if (this.options.watch) {
      this.watcher = new RuleWatcher(this.config.rules, {
        quietMs: DEFAULT_QUIET_MS,
        maxWaitMs: DEFAULT_MAX_WAIT_MS,
        clock: this.clock,
        onChange: () => void this.reload('watch'),
        onError: (e, watched) => log.warn({ err: e, path: watched }, 'cannot watch rule path; SIGHUP still reloads'),
      });
    }
    log.info(
      {
        hash: rs.hash,
        rules: rs.rules.length,
        files: rs.files.length,
        events: this.engine.plan.events,
        host: this.config.host,
        ...(this.metrics ? { metrics: this.metrics.listening } : {}),
        watch: this.options.watch,
      },
      'kernwatch running',
    );
  }

  /**
   * Reads and checks the rule files again and swaps them in atomically.
   * Broken rules, or rules the kernel refuses, leave the running set in
   * place; the reason is logged with located diagnostics. Requests made
   * while a reload waits to start join it. Resolves true if the files on
   * disk are now the running rules.
   */
  reload(reason: ReloadReason): Promise<boolean> {
    if (this.reloadQueued) return this.reloadQueued;
    const next = this.reloadChain.then(() => {
      this.reloadQueued = undefined;
      return this.reloadNow(reason);
    });
    this.reloadQueued = next;
    this.reloadChain = next.catch(() => undefined);
    return next;
  }

  private async reloadNow(reason: ReloadReason): Promise<boolean> {
    const { log } = this.options;
    if (this.stopping || !this.engine) return false;
    const started = performance.now();
    // watched afresh before reading: a directory replaced since gets a new watch,
    // and a write landing after the read below makes another reload
    this.watcher?.arm();
    const loaded = loadRuleSet(this.config);
    const running = this.running.ruleSet;
    if (!loaded.ok) return this.refuse(reason, 'they have errors', loaded.problems);
    const next = loaded.ruleSet;
    const emptied = emptiedRuleFiles(running, next);
    if (emptied.length > 0) return this.refuse(reason, 'a rule file was emptied', emptied);
    for (const w of next.warnings) log.warn(diagnosticFields(w), 'rule warning');
    if (next.hash === running.hash) {
      this.reloads.success += 1;
      this.monitor.reloadOutcome(this.clock.now());
      log.info({ reason, hash: next.hash }, 'rule set unchanged');
      return true;
    }
    try {
      await this.engine.reload(next.rules);
    } catch (e) {
      log.error({ err: e, refused: next.hash }, 'the kernel refused the new rules');
      return this.refuse(reason, 'the kernel refused them', [String((e as Error).message ?? e)]);
    }
    this.reloads.success += 1;
    this.monitor.reloadOutcome(this.clock.now());
    this.running = { ruleSet: next, loadedAt: Date.now() };
    log.info(
      {
        reason,
        hash: next.hash,
        previous: running.hash,
        rules: next.rules.length,
        ...ruleSetChanges(running.rules, next.rules),
        ms: Math.round(performance.now() - started),
      },
      'rule set reloaded',
    );
    this.warnUnavailable();
    return true;
  }

  /** A reload that leaves the running rules in place: located errors, the reason, a self-alert. */
  private refuse(reason: ReloadReason, why: string, problems: readonly string[]): false {
    const { log } = this.options;
    this.reloads.failure += 1;
    for (const p of problems) log.error(diagnosticFields(p), 'rule error');
    log.error({ reason, errors: problems.length, hash: this.running.ruleSet.hash }, `new rules not loaded: ${why}; the running rules stay`);
    this.monitor.reloadOutcome(this.clock.now(), { why, problems });
    return false;
  }

  /** One warning per event the rules use that this kernel cannot run (naming the rules that cannot fire), or runs with less detail. */
  private warnUnavailable(): void {
    for (const u of this.engine?.unavailable() ?? []) {
      this.options.log.warn({ event: u.event, reason: u.reason, rules: u.rules }, 'event unavailable on this kernel; rules on it cannot fire');
    }
    for (const d of this.engine?.degraded() ?? []) {
      this.options.log.warn({ event: d.event, reason: d.reason, rules: d.rules }, 'event runs with less detail on this host');
    }
  }

  private route(n: AlertNotice): void {
    const byChange = this.notifications.get(n.alert.rule) ?? new Map<Change, number>();
    byChange.set(n.change, (byChange.get(n.change) ?? 0) + 1);
    this.notifications.set(n.alert.rule, byChange);
    this.options.log.info(
      {
        rule: n.alert.rule,
        change: n.change,
        fingerprint: n.alert.fingerprint,
        severity: n.alert.severity,
        summary: n.alert.summary,
        notifiers: n.actions.map((a) => a.notifier),
      },
      'alert',
    );
    for (const a of n.actions) this.send(a.notifier, { alert: n.alert, args: a.args });
    this.saveSoon();
  }

  /** After an alert changes, its state is on disk at once (coalesced per turn), not at the next sample. */
  private saveSoon(): void {
    if (this.saveQueued) return;
    this.saveQueued = true;
    setImmediate(() => {
      this.saveQueued = false;
      if (this.engine && !this.stopping) void this.stateFile.save(this.engine.snapshot());
    });
  }

  private routeSelf(n: SelfNotice): void {
    this.options.log.warn({ alertname: n.alert.labels.alertname, change: n.change, summary: n.alert.summary, notifiers: n.notifiers }, 'self-alert');
    for (const notifier of n.notifiers) this.send(notifier, { alert: n.alert, args: [] });
  }

  private send(notifier: string, notification: Notification): void {
    const { log } = this.options;
    if (!this.dispatcher) {
      this.early.push({ notifier, notification });
      return;
    }
    const p = this.dispatcher.dispatch(notifier, notification).then(
      (outcome) => {
        if (outcome !== 'queued') log.debug({ notifier, fingerprint: notification.alert.fingerprint, outcome }, 'notification not queued');
      },
      (e: unknown) => log.error({ notifier, fingerprint: notification.alert.fingerprint, err: e }, 'notification not queued'),
    );
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  private sample(): void {
    if (!this.engine || !this.dispatcher || this.stopping) return;
    this.loopDelay.sample();
    const stats = this.engine.stats();
    this.monitor.observe({ t: this.clock.now(), counters: stats.counters, notifiers: this.dispatcher.stats() });
    this.noteLag(stats.pump.lagMs);
    void this.stateFile.save(this.engine.snapshot());
  }

  /** Logs once when evaluating records falls a second behind the kernel, and once when it catches up. */
  private noteLag(lagMs: number): void {
    const behind = lagMs > ENTER_LAG_MS;
    if (behind === this.behind) return;
    this.behind = behind;
    if (behind) this.options.log.warn({ lagMs: Math.round(lagMs) }, 'evaluating records runs behind the kernel');
    else this.options.log.info({}, 'evaluating records has caught up with the kernel');
  }

  /** Attached, with rules, and able to send: what /-/ready and kernwatch_ready say. */
  ready(): boolean {
    return this.engine !== undefined && this.dispatcher !== undefined && !this.stopping && this.running.ruleSet.rules.length > 0;
  }

  metricsText(): string {
    const counters: AgentCounters = {
      notifications: this.notifications,
      reloads: this.reloads,
      ruleSet: { hash: this.running.ruleSet.hash, rules: this.running.ruleSet.rules.length, loadedAt: this.running.loadedAt },
      selfAlertsFiring: this.monitor.firing(),
      ready: this.ready(),
      severities: new Map(this.running.ruleSet.rules.map((r) => [r.name, r.severity])),
      cannotFire: (this.engine?.unavailable() ?? []).flatMap((u) => u.rules.map((rule) => ({ rule, event: u.event }))),
      loopDelay: this.loopDelay.lastInterval(),
    };
    return agentMetrics(this.engine && !this.stopping ? this.engine.stats() : undefined, counters, this.dispatcher?.stats() ?? []);
  }

  /**
   * Detaches from the kernel (records already in the ring buffer are still
   * evaluated and their alerts routed), then delivers what is pending for
   * at most flushMs; what is left stays in the outboxes for the next start.
   */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    const { log } = this.options;
    const started = performance.now();
    this.watcher?.close();
    clearInterval(this.sampler);
    await this.reloadChain;
    const stats = this.engine ? await this.engine.stop() : undefined;
    if (this.engine) await this.stateFile.save(this.engine.snapshot());
    this.engine = undefined;
    await Promise.allSettled([...this.inFlight]);
    const flushed = this.dispatcher ? await this.dispatcher.flush(FLUSH_MS) : { pending: 0 };
    await this.teardown();
    log.info(
      {
        pending: flushed.pending,
        ms: Math.round(performance.now() - started),
        ...(stats ? { seen: stats.total.seen, delivered: stats.delivered, lost: stats.total.lost } : {}),
      },
      flushed.pending > 0 ? 'stopped; undelivered notifications stay in the outbox for the next start' : 'stopped',
    );
  }

  private async teardown(startFailed = false): Promise<void> {
    this.watcher?.close();
    this.loopDelay.close();
    clearInterval(this.sampler);
    if (this.engine) {
      await this.engine.stop().catch(() => undefined);
      this.engine = undefined;
    }
    await this.dispatcher?.close();
    await this.metrics?.close();
    // last: until here this agent may still write the state directory
    const problem = this.lock.release(startFailed);
    if (problem) {
      this.options.log.warn({ dir: this.lock.dir, reason: problem }, 'could not remove the state directory lock; the next start takes it over');
    }
  }
}

/** Self-alert conditions are sampled at least twice within their shortest duration, at most every 5 s. */
function sampleInterval(config: Config): number {
  const { lostWindowMs, notifierFailingForMs } = config.selfAlerts;
  return Math.max(250, Math.min(5_000, lostWindowMs / 2, notifierFailingForMs / 2));
}

/** A formatted diagnostic as log fields: its located first line, then the source line and caret. */
function diagnosticFields(formatted: string): Record<string, string> {
  const [first = '', ...rest] = formatted.split('\n');
  return rest.length > 0 ? { diagnostic: first, source: rest.join('\n') } : { diagnostic: first };
}
