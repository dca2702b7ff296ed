/**
 * Window rules: one window per value of the `by` fields, evaluated every
 * tick; inactive -> pending (for `for`) -> firing -> (after `keep firing
 * for`) resolved, with a repeat notification every cooldown while firing.
 */
import type { FieldValue } from '../events/event';
import type { WindowRule } from '../dsl';
import { compareValues } from './condition';
import { groupLabels, makeAlert } from './alert_factory';
import { BoundedGroups } from './bounded_groups';
import type { RuleContext, RuleState } from './rule_state';
import { Window } from './window';

interface Group {
  readonly labels: Record<string, string>;
  readonly window: Window;
  state: 'inactive' | 'pending' | 'firing';
  since: number;
  clearedAt?: number;
  lastNotifiedAt: number;
  eventsSinceFiring: number;
  value: number;
}

export class WindowRuleState implements RuleState {
  private readonly groupsByKey: BoundedGroups<Group>;
  private readonly byNames: string[];
  private readonly ticks: number;

  constructor(
    private readonly rule: WindowRule,
    private readonly ctx: RuleContext,
  ) {
    this.groupsByKey = new BoundedGroups(ctx.maxGroups);
    this.byNames = rule.groupBy.map((f) => f.name);
    this.ticks = Math.max(1, Math.ceil(rule.windowMs / ctx.tickMs));
  }

  onEvent(_role: string, t: number, fields: Readonly<Record<string, FieldValue>>): void {
    const field = 'field' in this.rule.aggregate ? this.rule.aggregate.field.name : undefined;
    this.add(t, 1, groupLabels(this.byNames, fields), field === undefined ? undefined : fields[field]);
  }

  onCount(t: number, n: number, group: Readonly<Record<string, FieldValue>>, value: number): void {
    const fn = this.rule.aggregate.fn;
    // a window folds a sum's total, or a max's largest value, as one value of n events
    this.add(t, n, groupLabels(this.byNames, group), fn === 'sum' || fn === 'max' ? value : undefined);
  }

  private add(t: number, n: number, labels: Record<string, string>, value: FieldValue | undefined): void {
    if ('field' in this.rule.aggregate && value === undefined) return; // nothing to sum or compare
    const g = this.groupsByKey.touch(JSON.stringify(labels), () => ({
      labels,
      window: new Window(this.rule.aggregate.fn, this.ctx.tickMs, this.ticks),
      state: 'inactive',
      since: 0,
      lastNotifiedAt: 0,
      eventsSinceFiring: 0,
      value: 0,
    }));
    g.window.add(t, n, value);
    if (g.state === 'firing') g.eventsSinceFiring += n;
  }

  tick(k: number): void {
    const now = k * this.ctx.tickMs;
    for (const [key, g] of [...this.groupsByKey.entries()]) {
      g.value = g.window.valueAt(k);
      const holds = compareValues(this.rule.op, g.value, this.rule.threshold);
      this.step(g, holds, now);
      if (g.state === 'inactive' && g.window.emptyAt(k)) this.groupsByKey.delete(key);
    }
  }

  private step(g: Group, holds: boolean, now: number): void {
    switch (g.state) {
      case 'inactive':
        if (!holds) return;
        g.state = 'pending';
        g.since = now;
        if (this.rule.forMs === 0) this.fire(g, now);
        return;
      case 'pending':
        if (!holds) g.state = 'inactive';
        else if (now - g.since >= this.rule.forMs) this.fire(g, now);
        return;
      case 'firing':
        if (holds) {
          delete g.clearedAt;
          if (now - g.lastNotifiedAt >= this.rule.cooldownMs) {
            g.lastNotifiedAt = now;
            this.notify('repeat', g);
          }
          return;
        }
        g.clearedAt ??= now;
        if (now - g.clearedAt >= this.rule.keepFiringForMs) {
          g.state = 'inactive';
          this.notify('resolved', g, now);
        }
    }
  }

  private fire(g: Group, now: number): void {
    g.state = 'firing';
    g.since = now;
    g.lastNotifiedAt = now;
    g.eventsSinceFiring = 0;
    delete g.clearedAt;
    this.notify('firing', g);
  }

  snapshot(): { groups: [string, Omit<Group, 'window'> & { window: ReturnType<Window['snapshot']> }][] } {
    return { groups: this.groupsByKey.toArray().map(([key, g]) => [key, { ...g, window: g.window.snapshot() }]) };
  }

  /**
   * Pending and firing groups go on with their windows; what the kernel
   * counted while no one watched is not in them, so a storm that went on
   * through the restart may read lower for one window.
   */
  restore(state: unknown): void {
    const s = state as ReturnType<WindowRuleState['snapshot']>;
    if (!Array.isArray(s.groups)) throw new Error('no groups');
    this.groupsByKey.restore(
      s.groups.map(([key, g]) => {
        const window = new Window(this.rule.aggregate.fn, this.ctx.tickMs, this.ticks);
        window.restore(g.window);
        return [key, { ...g, window }];
      }),
    );
  }

  private notify(change: 'firing' | 'repeat' | 'resolved', g: Group, endsAt?: number): void {
    const alert = makeAlert({
      rule: this.rule,
      host: this.ctx.host,
      group: g.labels,
      state: change === 'resolved' ? 'resolved' : 'firing',
      fields: g.labels,
      count: g.eventsSinceFiring,
      value: g.value,
      startsAt: g.since,
      ...(endsAt === undefined ? {} : { endsAt }),
      at: endsAt ?? g.lastNotifiedAt,
      lostRecords: this.ctx.lostSince(g.since - this.rule.windowMs),
    });
    this.ctx.emit({ change, alert, actions: this.rule.actions });
  }

  get groups(): number {
    return this.groupsByKey.size;
  }
  get evictions(): number {
    return this.groupsByKey.evictions;
  }
  readonly overflowed = 0;
  get pending(): number {
    return [...this.groupsByKey.entries()].filter(([, g]) => g.state === 'pending').length;
  }
  get firing(): number {
    return [...this.groupsByKey.entries()].filter(([, g]) => g.state === 'firing').length;
  }
}
