/**
 * The userspace tier: routes decoded events and kernel counts to each rule's
 * state machine and evaluates them tick by tick. Time comes only from event
 * timestamps and the times passed to advanceTo(), never from a clock, so a
 * recorded stream replays to the same alerts.
 */
import type { FieldValue, KernelEvent } from '../events/event';
import { ruleDefinition } from '../dsl';
import { compileSelection, type Fields } from './condition';
import { EventRuleState } from './event_rule_state';
import type { KernelPlan, SelectionPlan } from './kernel_plan';
import { AbsenceRuleState, SequenceRuleState } from './pair_rule_state';
import type { AlertNotice, RuleContext, RuleState } from './rule_state';
import { SNAPSHOT_VERSION, type EngineSnapshot, type PresentState, type RuleSnapshot } from './snapshot';
import { WindowRuleState } from './window_rule_state';

export interface EvaluatorOptions {
  readonly host: string;
  /** evaluation interval and window bucket width */
  readonly tickMs?: number;
  /** live groups per rule before the oldest is evicted */
  readonly maxGroups?: number;
  /** use the rule bits records carry (false: every event is checked against every rule) */
  readonly useRuleBits?: boolean;
}

export const DEFAULT_TICK_MS = 100;

interface Route {
  readonly plan: SelectionPlan;
  /** the plan's bit as a mask, made once rather than per event */
  readonly mask: bigint;
  readonly matches: (name: string, fields: Fields) => boolean;
  readonly state: RuleState;
}

export interface EvaluatorStats {
  readonly events: number;
  readonly matched: number;
  readonly groups: number;
  readonly evictions: number;
  readonly perRule: ReadonlyMap<string, RuleStats>;
}

export interface RuleStats {
  /** records the kernel sent marked for this rule, or events it counted for it */
  readonly kernelMatched: number;
  /** of those, events that passed the whole condition in userspace */
  readonly matched: number;
  readonly pending: number;
  readonly firing: number;
  readonly groups: number;
  readonly evictions: number;
  readonly overflowed: number;
}

export class Evaluator {
  private readonly routes = new Map<string, Route[]>();
  private readonly byBit = new Map<number, Route[]>();
  private readonly states = new Map<string, RuleState>();
  private readonly tickMs: number;
  private readonly useRuleBits: boolean;
  private lastTick: number | undefined;
  /** records lost (or shed) by time, per event when known; shared with the evaluators a reload makes from this one */
  private readonly losses: Loss[];
  private events = 0;
  private matched = 0;
  private readonly kernelMatchedByRule = new Map<string, number>();
  private readonly matchedByRule = new Map<string, number>();

  private readonly definitions = new Map<string, string>();

  /**
   * With `previous`, rules whose definition did not change keep their state
   * (windows, pending and firing alerts) and their counters: a reload does
   * not reset them.
   */
  constructor(plan: KernelPlan, options: EvaluatorOptions, emit: (notice: AlertNotice) => void, previous?: Evaluator) {
    this.tickMs = options.tickMs ?? DEFAULT_TICK_MS;
    this.useRuleBits = options.useRuleBits !== false;
    const shared = {
      host: options.host,
      tickMs: this.tickMs,
      maxGroups: options.maxGroups ?? 10_000,
      emit,
    };
    // the same array, so that a rule state kept across a reload sees the losses noted after it
    this.losses = previous ? previous.losses : [];
    if (previous) this.lastTick = previous.lastTick;
    for (const p of plan.selections) {
      const definition = ruleDefinition(p.rule);
      this.definitions.set(p.rule.name, definition);
      let state = this.states.get(p.rule.name);
      if (!state && previous && previous.definitions.get(p.rule.name) === definition) {
        state = previous.states.get(p.rule.name);
        if (state) {
          this.states.set(p.rule.name, state);
          for (const m of ['kernelMatchedByRule', 'matchedByRule'] as const) {
            const n = previous[m].get(p.rule.name);
            if (n !== undefined) this[m].set(p.rule.name, n);
          }
        }
      }
      if (!state) {
        const r = p.rule;
        // a rule's alerts are degraded by losses of the events it reads, not of others
        const events = new Set(plan.selections.filter((x) => x.rule.name === r.name).map((x) => x.spec.name));
        const ctx: RuleContext = { ...shared, lostSince: (from) => lostSince(this.losses, from, events) };
        state =
          r.kind === 'event'
            ? new EventRuleState(r, ctx)
            : r.kind === 'window'
              ? new WindowRuleState(r, ctx)
              : r.kind === 'sequence'
                ? new SequenceRuleState(r, ctx)
                : new AbsenceRuleState(r, ctx);
        this.states.set(r.name, state);
      }
      const route: Route = { plan: p, mask: 1n << BigInt(p.bit), matches: compileSelection(p.selection), state };
      this.routes.set(p.spec.name, [...(this.routes.get(p.spec.name) ?? []), route]);
      this.byBit.set(p.bit, [...(this.byBit.get(p.bit) ?? []), route]);
    }
  }

  /** Decoded records, in time order as far as the ring buffer keeps it. */
  onEvents(events: readonly KernelEvent[]): void {
    for (const e of events) this.onEvent(e);
  }

  onEvent(e: KernelEvent): void {
    this.events++;
    for (const route of this.routes.get(e.name) ?? []) {
      if (this.useRuleBits && (route.plan.counted || (e.rules & route.mask) === 0n)) continue; // counted in the kernel, or not this rule's record
      bump(this.kernelMatchedByRule, route.plan.rule.name, 1);
      if (!route.matches(e.name, e.fields)) continue;
      this.matched++;
      bump(this.matchedByRule, route.plan.rule.name, 1);
      route.state.onEvent(route.plan.role, e.time, e.fields);
    }
  }

  /** Events the kernel counted for selection `bit` and `group` up to time `t`, with the sum or max of the rule's field (RuleState.onCount). */
  onCount(t: number, bit: number, n: number, group: Readonly<Record<string, FieldValue>>, value = 0): void {
    for (const route of this.byBit.get(bit) ?? []) {
      if (!route.plan.counted) continue;
      bump(this.kernelMatchedByRule, route.plan.rule.name, n);
      bump(this.matchedByRule, route.plan.rule.name, n);
      route.state.onCount(t, n, group, value);
    }
  }

  /** `lost` more records of `event` (of any event when absent) were lost or shed by time `t`. */
  noteLoss(t: number, lost: number, event?: string): void {
    if (lost <= 0) return;
    // a flood notes losses every tick: one entry per event and LOSS_BUCKET_MS keeps the list short
    const bucket = Math.floor(t / LOSS_BUCKET_MS);
    for (let i = this.losses.length - 1; i >= 0; i--) {
      const l = this.losses[i] as Loss;
      if (Math.floor(l.t / LOSS_BUCKET_MS) !== bucket) break;
      if (l.event === event) {
        l.lost += lost;
        return;
      }
    }
    this.losses.push({ t, lost, ...(event === undefined ? {} : { event }) });
  }

  /** Evaluates every tick up to time `t` (ms) not evaluated yet. */
  advanceTo(t: number): void {
    const k = Math.floor(t / this.tickMs);
    if (this.lastTick === undefined) this.lastTick = k - 1;
    // a long quiet gap: nothing can change between the first and last few ticks
    // of it except deadlines, which are caught by evaluating the gap's end
    const from = Math.max(this.lastTick + 1, k - 100_000);
    for (let i = from; i <= k; i++) for (const s of this.states.values()) s.tick(i);
    this.lastTick = Math.max(this.lastTick, k);
    const horizon = t - 86_400_000;
    while (this.losses.length > 0 && (this.losses[0] as { t: number }).t < horizon) this.losses.shift();
  }

  /** Every rule's state, for the next process (see snapshot.ts). */
  snapshot(savedAt: number, host: string): EngineSnapshot {
    const rules: Record<string, RuleSnapshot> = {};
    for (const [name, state] of this.states) rules[name] = { definition: this.definitions.get(name) ?? '', state: state.snapshot() };
    return { version: SNAPSHOT_VERSION, savedAt, host, rules };
  }

  /**
   * Takes back the state an earlier process saved, at wall-clock `now`, for
   * each rule whose definition is unchanged. Returns the rules restored,
   * and those whose state was left behind (changed, gone, or unreadable).
   */
  restore(snapshot: EngineSnapshot, now: number, present: PresentState): { restored: string[]; dropped: { rule: string; why: string }[] } {
    const restored: string[] = [];
    const dropped: { rule: string; why: string }[] = [];
    for (const [name, saved] of Object.entries(snapshot.rules)) {
      const state = this.states.get(name);
      if (!state) dropped.push({ rule: name, why: 'no longer in the rules' });
      else if (saved.definition !== this.definitions.get(name)) dropped.push({ rule: name, why: 'its definition changed' });
      else {
        try {
          state.restore(saved.state, now, present);
          restored.push(name);
        } catch (e) {
          dropped.push({ rule: name, why: `unreadable state: ${(e as Error).message}` });
        }
      }
    }
    return { restored, dropped };
  }

  stats(): EvaluatorStats {
    let groups = 0;
    let evictions = 0;
    const perRule = new Map<string, RuleStats>();
    for (const [name, s] of this.states) {
      groups += s.groups;
      evictions += s.evictions;
      perRule.set(name, {
        kernelMatched: this.kernelMatchedByRule.get(name) ?? 0,
        matched: this.matchedByRule.get(name) ?? 0,
        pending: s.pending,
        firing: s.firing,
        groups: s.groups,
        evictions: s.evictions,
        overflowed: s.overflowed,
      });
    }
    return { events: this.events, matched: this.matched, groups, evictions, perRule };
  }
}

interface Loss {
  readonly t: number;
  lost: number;
  readonly event?: string;
}

const LOSS_BUCKET_MS = 10_000;

function lostSince(losses: readonly Loss[], from: number, events: ReadonlySet<string>): number {
  let n = 0;
  for (const l of losses) if (l.t >= from && (l.event === undefined || events.has(l.event))) n += l.lost;
  return n;
}

function bump(m: Map<string, number>, key: string, n: number): void {
  m.set(key, (m.get(key) ?? 0) + n);
}
