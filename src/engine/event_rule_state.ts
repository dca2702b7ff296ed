/**
 * Event rules and sequences: every match raises or feeds one alert per rule
 * and `by` values (`when oom.victim by cgroup`: one per cgroup, each with
 * its own cooldown; without `by`, one per rule). Matches inside the cooldown are folded
 * into its running count; a repeat goes out after the cooldown if more came;
 * the alert resolves once a whole cooldown passes with no match.
 */
import type { FieldValue } from '../events/event';
import type { CheckedRule, EventRule } from '../dsl/checked_rule';
import { fingerprint, groupLabels, identityLabels, makeAlert } from './alert_factory';
import { BoundedGroups } from './bounded_groups';
import type { RuleContext, RuleState } from './rule_state';

interface Folded {
  group: Record<string, string>;
  startsAt: number;
  lastEventAt: number;
  lastNotifiedAt: number;
  count: number;
  countNotified: number;
  fields: Readonly<Record<string, FieldValue>>;
}

export class FoldedAlerts {
  private readonly alerts: BoundedGroups<Folded>;

  constructor(
    private readonly rule: CheckedRule,
    private readonly ctx: RuleContext,
  ) {
    this.alerts = new BoundedGroups(ctx.maxGroups);
  }

  get size(): number {
    return this.alerts.size;
  }

  get evictions(): number {
    return this.alerts.evictions;
  }

  raise(t: number, group: Record<string, string>, fields: Readonly<Record<string, FieldValue>>): void {
    const key = fingerprint(identityLabels(this.rule, this.ctx.host, group));
    const existing = this.alerts.get(key);
    if (existing) {
      existing.count++;
      existing.lastEventAt = Math.max(existing.lastEventAt, t);
      existing.fields = fields;
      this.alerts.touch(key, () => existing);
      return;
    }
    const a: Folded = { group, startsAt: t, lastEventAt: t, lastNotifiedAt: t, count: 1, countNotified: 1, fields };
    this.alerts.touch(key, () => a);
    this.notify('firing', a);
  }

  tick(now: number): void {
    const cooldown = this.rule.cooldownMs;
    for (const [key, a] of [...this.alerts.entries()]) {
      if (now - a.lastEventAt >= cooldown) {
        this.alerts.delete(key);
        this.notify('resolved', a, now);
      } else if (now - a.lastNotifiedAt >= cooldown && a.count > a.countNotified) {
        a.lastNotifiedAt = now;
        a.countNotified = a.count;
        this.notify('repeat', a);
      }
    }
  }

  private notify(change: 'firing' | 'repeat' | 'resolved', a: Folded, endsAt?: number): void {
    const alert = makeAlert({
      rule: this.rule,
      host: this.ctx.host,
      group: a.group,
      state: change === 'resolved' ? 'resolved' : 'firing',
      fields: a.fields,
      count: a.count,
      startsAt: a.startsAt,
      ...(endsAt === undefined ? {} : { endsAt }),
      at: endsAt ?? a.lastNotifiedAt,
      lostRecords: this.ctx.lostSince(a.startsAt - this.rule.cooldownMs),
    });
    this.ctx.emit({ change, alert, actions: this.rule.actions });
  }
}

/** An event rule: one folded alert per value of its `by` fields (per rule without them). */
export class EventRuleState implements RuleState {
  private readonly alerts: FoldedAlerts;
  private readonly byNames: readonly string[];

  constructor(
    rule: EventRule,
    private readonly ctx: RuleContext,
  ) {
    this.alerts = new FoldedAlerts(rule, ctx);
    this.byNames = rule.groupBy.map((f) => f.name);
  }

  onEvent(_role: string, t: number, fields: Readonly<Record<string, FieldValue>>): void {
    this.alerts.raise(t, groupLabels(this.byNames, fields), fields);
  }

  onCount(): void {}

  tick(k: number): void {
    this.alerts.tick(k * this.ctx.tickMs);
  }

  get groups(): number {
    return this.alerts.size;
  }
  get evictions(): number {
    return this.alerts.evictions;
  }
  get pending(): number {
    return 0;
  }
  get firing(): number {
    return this.alerts.size;
  }
}
