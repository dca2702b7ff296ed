/**
 * Runs a recorded event stream through the compiler's kernel plan (in the
 * simulator) and the evaluator, deterministically: the same stream and rules
 * always give the same notices. `reference: true` skips the kernel tier and
 * checks every event against every rule in userspace: the straightforward
 * evaluator the kernel path must agree with.
 */
import type { KernelEvent } from '../events/event';
import type { RecordingGap } from '../events/event_json';
import type { CheckedRule } from '../dsl';
import { Evaluator, DEFAULT_TICK_MS } from './evaluator';
import { planKernel, type KernelPlan } from './kernel_plan';
import { KernelSimulator } from './kernel_simulator';
import type { AlertNotice } from './rule_state';

export interface ReplayOptions {
  readonly host: string;
  readonly tickMs?: number;
  /** evaluate until this time (ms) after the last event; default: the last event's tick */
  readonly untilMs?: number;
  readonly reference?: boolean;
  /** records the recording says are missing: alerts over them say they are degraded, as live */
  readonly gaps?: readonly RecordingGap[];
}

export interface ReplayResult {
  readonly notices: readonly AlertNotice[];
  readonly plan: KernelPlan;
  /** records the simulated kernel would have sent to userspace */
  readonly sent: number;
  /** events counted in the simulated kernel instead */
  readonly counted: number;
}

/**
 * The v2 cgroups the recording saw, as the kernel would know them at load,
 * with their ancestors (which a recording rarely names) under made-up ids
 * above any real one.
 */
function cgroupTreeOf(events: readonly KernelEvent[]): Array<[bigint, string]> {
  const idOf = new Map<string, bigint>();
  // a cgroup the recording saw created did not exist at load: the kernel
  // learns it from its mkdir, through inheritance
  const created = new Set<bigint>();
  for (const e of events) {
    const id = e.fields.cgroup_id;
    const path = e.fields.cgroup;
    const v2 = e.fields.hierarchy === undefined || e.fields.hierarchy === 'unified';
    if (!v2 || typeof id !== 'bigint' || typeof path !== 'string') continue;
    if (e.name === 'cgroup.mkdir') created.add(id);
    if (!created.has(id)) idOf.set(path, id);
  }
  let synthetic = 1n << 62n;
  for (const path of [...idOf.keys()]) {
    for (let at = path; at !== '/';) {
      at = at.lastIndexOf('/') <= 0 ? '/' : at.slice(0, at.lastIndexOf('/'));
      if (!idOf.has(at)) idOf.set(at, synthetic++);
    }
  }
  if (!idOf.has('/')) idOf.set('/', synthetic);
  return [...idOf].map(([path, id]) => [id, path]);
}

export function replay(rules: readonly CheckedRule[], events: readonly KernelEvent[], options: ReplayOptions): ReplayResult {
  const tree = cgroupTreeOf(events);
  const plan = planKernel(rules, tree);
  const notices: AlertNotice[] = [];
  const tickMs = options.tickMs ?? DEFAULT_TICK_MS;
  const reference = options.reference === true;
  const evaluator = new Evaluator(plan, { host: options.host, tickMs, useRuleBits: !reference }, (n) => notices.push(n));
  const simulator = new KernelSimulator(plan.kernel);
  for (const [id, path] of tree) simulator.knowCgroup(id, path);
  const sorted = [...events].sort((a, b) => a.time - b.time);
  const gaps = [...(options.gaps ?? [])].sort((a, b) => a.time - b.time);
  let nextGap = 0;
  const noteGapsUntil = (t: number): void => {
    for (; nextGap < gaps.length && (gaps[nextGap] as RecordingGap).time <= t; nextGap++) {
      const gap = gaps[nextGap] as RecordingGap;
      for (const [event, n] of Object.entries(gap.missing)) evaluator.noteLoss(gap.time, n, event);
    }
  };
  let sent = 0;
  let counted = 0;
  for (const e of sorted) {
    noteGapsUntil(e.time);
    // evaluate every tick that ended before this event, as the live engine would have
    evaluator.advanceTo(e.time - tickMs);
    if (reference) {
      evaluator.onEvent(e);
      continue;
    }
    const r = simulator.process(e);
    for (const c of r.counted) evaluator.onCount(e.time, c.bit, 1, c.group, c.value);
    counted += r.counted.length;
    if (r.sent) {
      sent++;
      evaluator.onEvent(r.sent);
    }
  }
  const last = sorted[sorted.length - 1];
  noteGapsUntil(Infinity);
  if (last) evaluator.advanceTo(last.time + (options.untilMs ?? tickMs));
  return { notices, plan, sent, counted };
}
