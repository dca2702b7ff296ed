/**
 * Sequences (`A followed by B within D by f`) and absences (`A not followed
 * by B within D by f`). Firsts wait per value of the `by` fields, bounded; a
 * sequence fires when a matching second comes in time, an absence fires at
 * the deadline and resolves when the second finally comes.
 */
import type { FieldValue } from '../events/event';
import type { AbsenceRule, SequenceRule } from '../dsl';
import { groupLabels, makeAlert } from './alert_factory';
import { BoundedGroups } from './bounded_groups';
import { FoldedAlerts, type FoldedSnapshot } from './event_rule_state';
import type { RuleContext, RuleState } from './rule_state';
import type { PresentState } from './snapshot';

type Fields = Readonly<Record<string, FieldValue>>;

interface Waiting {
  t: number;
  fields: Fields;
}

interface Absent {
  group: Record<string, string>;
  startsAt: number;
  fields: Fields;
}

const keyOf = (group: Record<string, string>): string => JSON.stringify(group);

export class SequenceRuleState implements RuleState {
  private readonly waiting: BoundedGroups<Waiting>;
  private readonly alerts: FoldedAlerts;
  private readonly matchNames: readonly string[];

  constructor(
    private readonly rule: SequenceRule,
    private readonly ctx: RuleContext,
  ) {
    this.waiting = new BoundedGroups(ctx.maxGroups);
    this.alerts = new FoldedAlerts(rule, ctx);
    this.matchNames = rule.match.map((f) => f.name);
  }

  onEvent(role: string, t: number, fields: Fields): void {
    const group = groupLabels(this.matchNames, fields);
    const key = keyOf(group);
    if (role === 'first') {
      this.waiting.touch(key, () => ({ t, fields })).t = t;
      return;
    }
    const first = this.waiting.get(key);
    if (first && t >= first.t && t - first.t <= this.rule.withinMs) {
      this.waiting.delete(key);
      this.alerts.raise(t, group, fields);
    }
  }

  onCount(): void {}

  tick(k: number): void {
    const now = k * this.ctx.tickMs;
    for (const [key, w] of [...this.waiting.entries()]) if (now - w.t > this.rule.withinMs) this.waiting.delete(key);
    this.alerts.tick(now);
  }

  snapshot(): { waiting: [string, Waiting][]; alerts: FoldedSnapshot } {
    return { waiting: this.waiting.toArray(), alerts: this.alerts.snapshot() };
  }

  /** Firsts still waiting keep their deadline; a second that came while no one watched is not known. */
  restore(state: unknown): void {
    const s = state as ReturnType<SequenceRuleState['snapshot']>;
    if (!Array.isArray(s.waiting)) throw new Error('no waiting firsts');
    this.waiting.restore(s.waiting);
    this.alerts.restore(s.alerts);
  }

  get groups(): number {
    return this.waiting.size + this.alerts.size;
  }
  get evictions(): number {
    return this.waiting.evictions + this.alerts.evictions;
  }
  get overflowed(): number {
    return this.alerts.overflowed;
  }
  get pending(): number {
    return 0;
  }
  get firing(): number {
    return this.alerts.size;
  }
}

export class AbsenceRuleState implements RuleState {
  private readonly waiting: BoundedGroups<Waiting>;
  private readonly absent: BoundedGroups<Absent>;
  private readonly matchNames: readonly string[];

  constructor(
    private readonly rule: AbsenceRule,
    private readonly ctx: RuleContext,
  ) {
    this.waiting = new BoundedGroups(ctx.maxGroups);
    this.absent = new BoundedGroups(ctx.maxGroups);
    this.matchNames = rule.match.map((f) => f.name);
  }

  onEvent(role: string, t: number, fields: Fields): void {
    if (role === 'gone') return this.removed(t, fields.cgroup);
    const group = groupLabels(this.matchNames, fields);
    const key = keyOf(group);
    if (role === 'first') {
      // the earliest unanswered first sets the deadline
      if (!this.waiting.get(key) && !this.absent.get(key)) this.waiting.touch(key, () => ({ t, fields }));
      return;
    }
    const first = this.waiting.get(key);
    if (first && t >= first.t) this.waiting.delete(key);
    const late = this.absent.get(key);
    if (late && t >= late.startsAt) {
      this.absent.delete(key);
      this.notify('resolved', late, t);
    }
  }

  onCount(): void {}

  /**
   * A removed cgroup can never see the second event: what waited on it is
   * dropped, and an alert already firing for it resolves at the removal.
   */
  private removed(t: number, cgroup: FieldValue | undefined): void {
    if (typeof cgroup !== 'string') return;
    for (const [key, w] of [...this.waiting.entries()]) if (w.fields.cgroup === cgroup) this.waiting.delete(key);
    for (const [key, a] of [...this.absent.entries()]) {
      if (a.group.cgroup !== cgroup) continue;
      this.absent.delete(key);
      this.notify('resolved', a, t);
    }
  }

  tick(k: number): void {
    const now = k * this.ctx.tickMs;
    for (const [key, w] of [...this.waiting.entries()]) {
      const deadline = w.t + this.rule.withinMs;
      if (deadline > now) continue;
      this.waiting.delete(key);
      const a: Absent = { group: groupLabels(this.matchNames, w.fields), startsAt: deadline, fields: w.fields };
      this.absent.touch(key, () => a);
      this.notify('firing', a);
    }
  }

  snapshot(): { waiting: [string, Waiting][]; absent: [string, Absent][] } {
    return { waiting: this.waiting.toArray(), absent: this.absent.toArray() };
  }

  /**
   * Waiting firsts keep their deadline and firing absences go on, except
   * where the host says the answer came while no one watched: the cgroup is
   * gone, or (for a freeze awaiting its thaw) it is no longer frozen. Those
   * are dropped, or resolved now.
   */
  restore(state: unknown, now: number, present: PresentState): void {
    const s = state as ReturnType<AbsenceRuleState['snapshot']>;
    if (!Array.isArray(s.waiting) || !Array.isArray(s.absent)) throw new Error('no waiting or absent entries');
    this.waiting.restore(s.waiting.filter(([, w]) => !this.answered(w.fields.cgroup, present)));
    this.absent.restore(s.absent);
    for (const [key, a] of s.absent) {
      if (!this.answered(a.group.cgroup ?? a.fields.cgroup, present)) continue;
      this.absent.delete(key);
      this.notify('resolved', a, now);
    }
  }

  private answered(cgroup: FieldValue | undefined, present: PresentState): boolean {
    if (typeof cgroup !== 'string') return false;
    if (present.cgroupExists(cgroup) === false) return true;
    const thawAwaited = this.rule.first.event === 'cgroup.freeze' && this.rule.second.event === 'cgroup.unfreeze';
    return thawAwaited && present.cgroupFrozen(cgroup) === false;
  }

  private notify(change: 'firing' | 'resolved', a: Absent, endsAt?: number): void {
    const alert = makeAlert({
      rule: this.rule,
      host: this.ctx.host,
      group: a.group,
      state: change,
      fields: a.fields,
      count: 1,
      startsAt: a.startsAt,
      ...(endsAt === undefined ? {} : { endsAt }),
      at: endsAt ?? a.startsAt,
      lostRecords: this.ctx.lostSince(a.startsAt - this.rule.withinMs),
    });
    this.ctx.emit({ change, alert, actions: this.rule.actions });
  }

  get groups(): number {
    return this.waiting.size + this.absent.size;
  }
  get evictions(): number {
    return this.waiting.evictions + this.absent.evictions;
  }
  readonly overflowed = 0;
  get pending(): number {
    return this.waiting.size;
  }
  get firing(): number {
    return this.absent.size;
  }
}
