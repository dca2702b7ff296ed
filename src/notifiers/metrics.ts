/**
 * The notifier counters in Prometheus text exposition format, so every
 * agent exposes the same names: append the result to /metrics.
 */
import type { NotifierStats } from './delivery_queue';

interface Metric {
  readonly name: string;
  readonly type: 'counter' | 'gauge';
  readonly help: string;
  readonly value: (s: NotifierStats) => number | undefined;
}

const METRICS: readonly Metric[] = [
  { name: 'kernwatch_notifier_deliveries_total', type: 'counter', help: 'Notifications the receiver accepted.', value: (s) => s.delivered },
  {
    name: 'kernwatch_notifier_sends_total',
    type: 'counter',
    help: 'Messages or requests the receiver accepted (a Slack burst is one).',
    value: (s) => s.sends,
  },
  { name: 'kernwatch_notifier_failures_total', type: 'counter', help: 'Delivery attempts that failed.', value: (s) => s.failures },
  { name: 'kernwatch_notifier_retries_total', type: 'counter', help: 'Failed attempts scheduled to be tried again.', value: (s) => s.retries },
  { name: 'kernwatch_notifier_pending', type: 'gauge', help: 'Notifications waiting in the outbox.', value: (s) => s.pending },
  {
    name: 'kernwatch_notifier_not_persisted_total',
    type: 'counter',
    help: 'Notifications the outbox could not write to disk (kept in memory).',
    value: (s) => s.notPersisted,
  },
  { name: 'kernwatch_notifier_consecutive_failures', type: 'gauge', help: 'Failed attempts since the last success.', value: (s) => s.consecutiveFailures },
  {
    name: 'kernwatch_notifier_last_success_timestamp_seconds',
    type: 'gauge',
    help: 'When the receiver last accepted a notification.',
    value: (s) => (s.lastSuccessAt !== undefined ? s.lastSuccessAt / 1000 : undefined),
  },
];

const DROPPED = 'kernwatch_notifier_dropped_total';
const PERSIST = 'kernwatch_outbox_persist_seconds';

function label(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function notifierMetrics(stats: readonly NotifierStats[]): string {
  const lines: string[] = [];
  const id = (s: NotifierStats): string => `notifier="${label(s.name)}",type="${label(s.type)}"`;
  for (const m of METRICS) {
    lines.push(`# HELP ${m.name} ${m.help}`, `# TYPE ${m.name} ${m.type}`);
    for (const s of stats) {
      const v = m.value(s);
      if (v !== undefined) lines.push(`${m.name}{${id(s)}} ${v}`);
    }
  }
  lines.push(`# HELP ${DROPPED} Notifications given up, by reason.`, `# TYPE ${DROPPED} counter`);
  for (const s of stats) {
    for (const [reason, n] of Object.entries(s.dropped)) lines.push(`${DROPPED}{${id(s)},reason="${reason}"} ${n}`);
  }
  lines.push(`# HELP ${PERSIST} From an alert raised to its outbox entry fsynced (in-memory outboxes have none).`, `# TYPE ${PERSIST} histogram`);
  for (const s of stats) {
    const h = s.persistSeconds;
    for (const [le, n] of h.buckets) lines.push(`${PERSIST}_bucket{${id(s)},le="${le === Infinity ? '+Inf' : String(le)}"} ${n}`);
    lines.push(`${PERSIST}_sum{${id(s)}} ${h.sum}`, `${PERSIST}_count{${id(s)}} ${h.count}`);
  }
  return `${lines.join('\n')}\n`;
}
