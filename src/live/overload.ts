/**
 * When the records wanted exceed what userspace can evaluate: shed, in the
 * kernel, the high-rate kinds shipped only for userspace terms (rules
 * counted in the kernel keep counting them; rare kinds are never shed, they
 * have a ring of their own), so that what is evaluated stays current. The
 * rules on a shed kind are degraded, and said to be. Time comes in.
 *
 * Overload is the oldest record waiting being more than ENTER_LAG_MS behind
 * the kernel. Shedding lasts at least `holdMs`, which doubles (up to
 * MAX_HOLD_MS) when overload comes back soon after it ended, so a flood that
 * goes on is not let in every few seconds to fill the queues again.
 */
import type { SelectionPlan } from '../engine/kernel_plan';

/** behind by this much: overloaded */
export const ENTER_LAG_MS = 1000;
const FIRST_HOLD_MS = 5_000;
const MAX_HOLD_MS = 60_000;
/** overload again within this long after shedding ended: hold twice as long */
const RELAPSE_MS = 30_000;

export interface Shedding {
  /** event names shed, and the BPF kind mask of them */
  readonly events: readonly string[];
  readonly mask: number;
  /** rules whose records are shed: their alerts cannot be trusted meanwhile */
  readonly rules: readonly string[];
  /** engine ms */
  readonly since: number;
  /** how far behind records were when it began, ms */
  readonly lagMs: number;
}

/** What could be shed under a plan: every high-rate kind a rule needs records of in userspace. */
export function sheddable(selections: readonly SelectionPlan[]): Omit<Shedding, 'since' | 'lagMs'> {
  const shed = selections.filter((s) => s.spec.highRate && !s.counted);
  const events = [...new Set(shed.map((s) => s.spec.name))].sort();
  const mask = shed.reduce((m, s) => (m | (1 << s.spec.kind)) >>> 0, 0);
  return { events, mask, rules: [...new Set(shed.map((s) => s.rule.name))].sort() };
}

export class OverloadController {
  private current: Shedding | undefined;
  private holdMs = FIRST_HOLD_MS;
  private endedAt = -Infinity;
  /** times shedding began */
  episodes = 0;

  constructor(private candidates: Omit<Shedding, 'since' | 'lagMs'>) {}

  get shedding(): Shedding | undefined {
    return this.current;
  }

  /** A new rule set: what can be shed changes; a shedding in progress goes on with the new set's kinds. */
  replan(candidates: Omit<Shedding, 'since' | 'lagMs'>): Shedding | undefined {
    this.candidates = candidates;
    if (this.current) this.current = { ...this.current, ...candidates };
    return this.current;
  }

  /** Called every tick with how far behind records are; returns whether shedding changed. */
  observe(t: number, lagMs: number): boolean {
    if (!this.current) {
      if (lagMs <= ENTER_LAG_MS || this.candidates.mask === 0) return false;
      this.holdMs = t - this.endedAt < RELAPSE_MS ? Math.min(MAX_HOLD_MS, this.holdMs * 2) : FIRST_HOLD_MS;
      this.current = { ...this.candidates, since: t, lagMs };
      this.episodes++;
      return true;
    }
    // held whatever the lag: the backlog left when it began drains meanwhile
    if (t - this.current.since < this.holdMs) return false;
    this.current = undefined;
    this.endedAt = t;
    return true;
  }
}
