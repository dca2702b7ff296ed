/**
 * The agent's /metrics page in Prometheus text format 0.0.4: kernel counters
 * per event, the evaluator per rule, notifications per change, the rule set
 * and its reloads, self-alerts, then the notifiers' own counters.
 */
import type { RuleStats } from '../engine/evaluator';
import type { LiveStats } from '../live/live_engine';
import type { Change } from '../engine/rule_state';
import type { EventCounters } from '../live/stats';
import type { NotifierStats } from '../notifiers/delivery_queue';
import { notifierMetrics } from '../notifiers/metrics';
import { kernwatchVersion } from '../config/version';
import { processSamples } from './process_metrics';
import { nativeAddon } from '../kernel/native';

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

export interface AgentCounters {
  /** notices the engine raised, by rule and change */
  readonly notifications: ReadonlyMap<string, ReadonlyMap<Change, number>>;
  readonly reloads: { readonly success: number; readonly failure: number };
  /** the rule set running now */
  readonly ruleSet?: { readonly hash: string; readonly rules: number; readonly loadedAt: number };
  /** each running rule's severity, for the alert gauges */
  readonly severities: ReadonlyMap<string, string>;
  /** self-alerts firing now, by alert name and identity label (notifier name, or "" for kernel loss) */
  readonly selfAlertsFiring: readonly { readonly alertname: string; readonly notifier?: string }[];
  /** attached to the kernel, rules loaded, notifiers open, not stopping (what /-/ready answers) */
  readonly ready: boolean;
  /** rules that use an event this kernel cannot run: they cannot fire */
  readonly cannotFire: readonly { readonly rule: string; readonly event: string }[];
  /** how late the event loop ran callbacks over the last sample interval, ms */
  readonly loopDelay?: { readonly p99Ms: number; readonly maxMs: number };
}

type Labels = Readonly<Record<string, string>>;

class Page {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge', help: string, samples: Iterable<readonly [Labels, number]>): void {
    this.lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
    for (const [labels, value] of samples) this.lines.push(`${name}${labelText(labels)} ${value}`);
  }

  text(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

/** Whether the agent keeps up: shedding, how far behind records are, late ticks, a late event loop. */
function flowMetrics(page: Page, engine: LiveStats | undefined, events: readonly [string, EventCounters][], counters: AgentCounters): void {
  page.family(
    'kernwatch_records_shed_total',
    'counter',
    'Records dropped while the agent was overloaded, per event: in the kernel, or already waiting in userspace.',
    [
      ...events.map(([event, c]): [Labels, number] => [{ event, where: 'kernel' }, c.shed]),
      ...events.map(([event]): [Labels, number] => [{ event, where: 'userspace' }, engine?.shedHere.get(event) ?? 0]),
    ],
  );
  page.family(
    'kernwatch_records_unresolved_total',
    'counter',
    "Records decoded before their cgroup's path was known, per event: their cgroup fields are absent and the rules on the event degraded.",
    events.map(([event]): [Labels, number] => [{ event }, engine?.unresolved.get(event) ?? 0]),
  );
  page.family('kernwatch_overloaded', 'gauge', '1 while the agent sheds high-rate records because it cannot evaluate them in time.', [
    [{}, engine?.shedding ? 1 : 0],
  ]);
  page.family(
    'kernwatch_rule_degraded',
    'gauge',
    'Rules whose records are shed now: their alerts cannot be trusted until kernwatch_overloaded is 0.',
    (engine?.shedding?.rules ?? []).map((rule): [Labels, number] => [{ rule }, 1]),
  );
  page.family('kernwatch_overload_episodes_total', 'counter', 'Times the agent began shedding.', [[{}, engine?.overloadEpisodes ?? 0]]);
  page.family('kernwatch_record_lag_seconds', 'gauge', 'How far behind the kernel the oldest record waiting to be evaluated is.', [
    [{}, (engine?.pump.lagMs ?? 0) / 1000],
  ]);
  page.family('kernwatch_record_age_seconds', 'gauge', 'The largest age of records when evaluated, over the last 5 to 10 seconds.', [
    [{}, (engine?.pump.maxAgeMs ?? 0) / 1000],
  ]);
  page.family('kernwatch_record_backlog_bytes', 'gauge', 'Bytes of records handed to userspace and not yet evaluated (bounded by the in-flight budget).', [
    [{}, engine?.pump.backlogBytes ?? 0],
  ]);
  page.family('kernwatch_ticks_late_total', 'counter', 'Evaluation ticks that ran more than a tick behind schedule.', [[{}, engine?.ticksLate ?? 0]]);
  page.family('kernwatch_tick_delay_seconds', 'gauge', 'How late the last evaluation tick ran.', [[{}, (engine?.tickDelayMs ?? 0) / 1000]]);
  page.family(
    'kernwatch_event_loop_delay_p99_seconds',
    'gauge',
    "How late the agent's event loop ran callbacks over the last sample interval: the 99th percentile.",
    [[{}, (counters.loopDelay?.p99Ms ?? 0) / 1000]],
  );
  page.family('kernwatch_event_loop_delay_max_seconds', 'gauge', "How late the agent's event loop ran callbacks over the last sample interval: the longest.", [
    [{}, (counters.loopDelay?.maxMs ?? 0) / 1000],
  ]);
}

function labelText(labels: Labels): string {
  const pairs = Object.entries(labels).map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')}"`);
  return pairs.length === 0 ? '' : `{${pairs.join(',')}}`;
}

export function agentMetrics(engine: LiveStats | undefined, counters: AgentCounters, notifiers: readonly NotifierStats[]): string {
  const page = new Page();
  page.family('kernwatch_build_info', 'gauge', 'The running kernwatch: its version, Node.js, libbpf, and the BPF object this kernel loaded.', [
    [{ version: kernwatchVersion(), nodejs: process.version, libbpf: nativeAddon().libbpfVersion(), ...(engine ? { bpf_object: engine.bpfObject } : {}) }, 1],
  ]);
  const events = [...(engine?.counters ?? new Map<string, EventCounters>())];
  const perEvent = (pick: (c: EventCounters) => number): [Labels, number][] => events.map(([event, c]) => [{ event }, pick(c)]);
  page.family(
    'kernwatch_event_available',
    'gauge',
    '1 when this kernel runs the event, 0 when it lacks the tracepoint or refused the program (the log says why).',
    [...(engine?.unavailable ?? [])].map(([event, reason]): [Labels, number] => [{ event }, reason === undefined ? 1 : 0]),
  );
  page.family(
    'kernwatch_kernel_events_seen_total',
    'counter',
    'Times the tracepoint fired, per event.',
    perEvent((c) => c.seen),
  );
  page.family(
    'kernwatch_kernel_events_filtered_total',
    'counter',
    'Events dropped or only counted in the kernel: no rule needed the record.',
    perEvent((c) => c.filtered),
  );
  page.family(
    'kernwatch_kernel_records_sent_total',
    'counter',
    'Records written to the ring buffer, per event.',
    perEvent((c) => c.sent),
  );
  page.family(
    'kernwatch_kernel_records_lost_total',
    'counter',
    'Records lost because the ring buffer was full, per event.',
    perEvent((c) => c.lost),
  );
  page.family(
    'kernwatch_kernel_events_missed_total',
    'counter',
    'Firings the kernel skipped because the program was already running on that CPU, per event.',
    perEvent((c) => c.missed),
  );
  page.family(
    'kernwatch_records_delivered_total',
    'counter',
    'Records decoded in userspace, per event.',
    events.map(([event]) => [{ event }, engine?.deliveredByEvent.get(event) ?? 0]),
  );

  flowMetrics(page, engine, events, counters);

  const rules = [...(engine?.evaluator.perRule ?? new Map<string, RuleStats>())];
  const perRule = (pick: (s: RuleStats) => number): [Labels, number][] => rules.map(([rule, s]) => [{ rule }, pick(s)]);
  page.family(
    'kernwatch_rule_kernel_matched_total',
    'counter',
    'Records the kernel sent for the rule, or events it counted for it.',
    perRule((s) => s.kernelMatched),
  );
  page.family(
    'kernwatch_rule_matched_total',
    'counter',
    "Events that passed the rule's whole condition in userspace.",
    perRule((s) => s.matched),
  );
  const perRuleAndSeverity = (pick: (s: RuleStats) => number): [Labels, number][] =>
    rules.map(([rule, s]) => [{ rule, severity: counters.severities.get(rule) ?? 'warning' }, pick(s)]);
  page.family(
    'kernwatch_alerts_pending',
    'gauge',
    'Alerts waiting out their `for`, per rule.',
    perRuleAndSeverity((s) => s.pending),
  );
  page.family(
    'kernwatch_alerts_firing',
    'gauge',
    'Alerts firing, per rule.',
    perRuleAndSeverity((s) => s.firing),
  );
  page.family(
    'kernwatch_evaluator_groups',
    'gauge',
    'Groups (window or sequence keys) the rule holds.',
    perRule((s) => s.groups),
  );
  page.family(
    'kernwatch_evaluator_evictions_total',
    'counter',
    'Groups evicted because the rule held its maximum.',
    perRule((s) => s.evictions),
  );
  page.family(
    'kernwatch_evaluator_overflow_total',
    'counter',
    "Matches of new values folded into the rule's one overflow alert because it held its maximum of alerts.",
    perRule((s) => s.overflowed),
  );

  const notices: [Labels, number][] = [];
  for (const [rule, byChange] of counters.notifications) for (const [change, n] of byChange) notices.push([{ rule, change }, n]);
  page.family(
    'kernwatch_alert_notifications_total',
    'counter',
    'Alert changes raised (firing, repeat, resolved), per rule; each goes to every notifier of its rule.',
    notices,
  );

  const rs = counters.ruleSet;
  page.family('kernwatch_rule_set_info', 'gauge', 'The rule set running now, by content hash.', rs ? [[{ hash: rs.hash }, 1]] : []);
  page.family('kernwatch_rules_loaded', 'gauge', 'Rules in the running rule set.', rs ? [[{}, rs.rules]] : []);
  page.family('kernwatch_rule_set_loaded_timestamp_seconds', 'gauge', 'When the running rule set was loaded.', rs ? [[{}, rs.loadedAt / 1000]] : []);
  page.family('kernwatch_rule_reloads_total', 'counter', 'Rule reloads by result; a failed one leaves the old rules running.', [
    [{ result: 'success' }, counters.reloads.success],
    [{ result: 'failure' }, counters.reloads.failure],
  ]);
  page.family(
    'kernwatch_self_alerts_firing',
    'gauge',
    "Kernwatch's own alerts firing now (records lost, a notifier failing).",
    counters.selfAlertsFiring.map((a): [Labels, number] => [{ alertname: a.alertname, ...(a.notifier !== undefined ? { notifier: a.notifier } : {}) }, 1]),
  );
  page.family(
    'kernwatch_rule_event_unavailable',
    'gauge',
    '1 for each rule and event it uses that this kernel cannot run: the rule cannot fire (the log says why).',
    counters.cannotFire.map((c): [Labels, number] => [{ rule: c.rule, event: c.event }, 1]),
  );
  page.family('kernwatch_ready', 'gauge', '1 when attached to the kernel with rules loaded and notifiers open (as /-/ready says), else 0.', [
    [{}, counters.ready ? 1 : 0],
  ]);
  for (const [name, type, help, value] of processSamples()) page.family(name, type, help, [[{}, value]]);
  return page.text() + notifierMetrics(notifiers);
}
