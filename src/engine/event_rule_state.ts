/**
 * Event rules and sequences: every match raises or feeds one alert per rule
 * and `by` values (`when oom.victim by cgroup`: one per cgroup, each with
 * its own cooldown; without `by`, one per rule). Matches inside the cooldown are folded
 * into its running count; a repeat goes out after the cooldown if more came;
 * the alert resolves once a whole cooldown passes with no match.
 *
 * A rule holds at most `maxGroups` alerts. Evicting one would leave its
 * receivers showing it firing forever, so a new value beyond the cap is
 * folded into one overflow alert instead (its by-labels `(overflow)`, its
 * summary saying so), counted in `overflowed`, until alerts resolve.
 */
import type { FieldValue } from '../events/event';
import type { CheckedRule, EventRule } from '../dsl';
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

export const OVERFLOW_LABEL = '(overflow)';

export interface FoldedSnapshot {
  readonly alerts: [string, Folded][];
  readonly overflow?: Folded;
  readonly overflowed?: number;
}

export class FoldedAlerts {
  private readonly alerts: BoundedGroups<Folded>;
  /** the alert standing for every value beyond the cap */
  private overflow: Folded | undefined;
  /** matches folded into the overflow alert */
  overflowed = 0;
  /**
   * Fingerprints by the group's values: a storm of matches for one alert
   * hashes its labels once, not once a match (sha256 was a third of the
   * pipeline's time at 285,000 records a second). Bounded like the alerts.
   */
  private readonly keys = new Map<string, string>();

  constructor(
    private readonly rule: CheckedRule,
    private readonly ctx: RuleContext,
  ) {
    this.alerts = new BoundedGroups(ctx.maxGroups);
  }

  get size(): number {
    return this.alerts.size + (this.overflow ? 1 : 0);
  }

  get evictions(): number {
    return this.alerts.evictions;
  }

  snapshot(): FoldedSnapshot {
    return { alerts: this.alerts.toArray(), ...(this.overflow ? { overflow: this.overflow } : {}), overflowed: this.overflowed };
  }

  restore(s: FoldedSnapshot): void {
    if (!Array.isArray(s.alerts)) throw new Error('no alerts');
    this.alerts.restore(s.alerts);
    this.overflow = s.overflow;
    this.overflowed = s.overflowed ?? 0;
  }

  raise(t: number, group: Record<string, string>, fields: Readonly<Record<string, FieldValue>>): void {
    const key = this.keyOf(group);
    const existing = this.alerts.refresh(key);
    if (existing) {
      fold(existing, t, fields);
      return;
    }
    if (this.alerts.size >= this.ctx.maxGroups) {
      this.overflowed++;
      if (this.overflow) fold(this.overflow, t, fields);
      else {
        const labels = Object.fromEntries(Object.keys(group).map((k) => [k, OVERFLOW_LABEL]));
        this.overflow = { group: labels, startsAt: t, lastEventAt: t, lastNotifiedAt: t, count: 1, countNotified: 1, fields };
        this.notify('firing', this.overflow);
      }
      return;
    }
    const a: Folded = { group, startsAt: t, lastEventAt: t, lastNotifiedAt: t, count: 1, countNotified: 1, fields };
    this.alerts.touch(key, () => a);
    this.notify('firing', a);
  }

  /** The alert's fingerprint; a rule's groups always have the same fields in the same order. */
  private keyOf(group: Record<string, string>): string {
    const values = Object.values(group).join('\u0000');
    let key = this.keys.get(values);
    if (key === undefined) {
      if (this.keys.size >= this.ctx.maxGroups * 2) this.keys.clear();
      key = fingerprint(identityLabels(this.rule, this.ctx.host, group));
      this.keys.set(values, key);
    }
    return key;
  }

  tick(now: number): void {
    for (const [key, a] of [...this.alerts.entries()]) if (this.step(a, now) === 'resolved') this.alerts.delete(key);
    if (this.overflow && this.step(this.overflow, now) === 'resolved') this.overflow = undefined;
  }

  private step(a: Folded, now: number): 'resolved' | undefined {
    const cooldown = this.rule.cooldownMs;
    if (now - a.lastEventAt >= cooldown) {
      this.notify('resolved', a, now);
      return 'resolved';
    }
    if (now - a.lastNotifiedAt >= cooldown && a.count > a.countNotified) {
      a.lastNotifiedAt = now;
      a.countNotified = a.count;
      this.notify('repeat', a);
    }
    return undefined;
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
      ...(a === this.overflow
        ? {
            note: `More ${Object.keys(a.group).join(', ')} values than this rule's ${this.ctx.maxGroups} alerts at once: ${a.count} match${a.count === 1 ? '' : 'es'} of other values folded into this alert. Latest: `,
          }
        : {}),
    });
    this.ctx.emit({ change, alert, actions: this.rule.actions });
  }
}

function fold(a: Folded, t: number, fields: Readonly<Record<string, FieldValue>>): void {
  a.count++;
  a.lastEventAt = Math.max(a.lastEventAt, t);
  a.fields = fields;
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

  snapshot(): FoldedSnapshot {
    return this.alerts.snapshot();
  }

  /** A firing alert goes on: its cooldown resolves it at the first tick if it ran out while no one watched. */
  restore(state: unknown): void {
    this.alerts.restore(state as FoldedSnapshot);
  }

  get groups(): number {
    return this.alerts.size;
  }
  get evictions(): number {
    return this.alerts.evictions;
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
