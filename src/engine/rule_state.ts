/** What every rule's state machine shares: how it reports alert changes and losses. */
import type { FieldValue } from '../events/event';
import type { Action } from '../dsl';
import type { Alert } from './alert';
import type { Role } from './kernel_plan';
import type { PresentState } from './snapshot';

export type Change = 'firing' | 'repeat' | 'resolved';

export interface AlertNotice {
  readonly change: Change;
  readonly alert: Alert;
  /** the rule's `then`: where the notice goes */
  readonly actions: readonly Action[];
}

export interface RuleContext {
  readonly host: string;
  readonly tickMs: number;
  readonly maxGroups: number;
  emit(notice: AlertNotice): void;
  /** records the kernel lost between `fromMs` and now */
  lostSince(fromMs: number): number;
}

export interface RuleState {
  /** an event matched selection `role` of this rule at `t` (ms) */
  onEvent(role: Role, t: number, fields: Readonly<Record<string, FieldValue>>): void;
  /**
   * `n` events counted in the kernel for `group` during the tick ending at
   * `t`, and `value`: the sum of the rule's field over them (a sum rule) or
   * its largest value among them (a max rule)
   */
  onCount(t: number, n: number, group: Readonly<Record<string, FieldValue>>, value: number): void;
  /** evaluation at tick `k` (time k * tickMs) */
  tick(k: number): void;
  readonly groups: number;
  readonly evictions: number;
  /** matches of new values folded into the rule's overflow alert because it held its maximum of alerts */
  readonly overflowed: number;
  /** alerts now pending and firing */
  readonly pending: number;
  readonly firing: number;
  /** what this rule holds, as JSON-able data (bigint allowed) for a restart */
  snapshot(): unknown;
  /**
   * Takes back what snapshot() gave in an earlier process, at wall-clock
   * `now`, dropping or resolving what `present` says was answered while no
   * one watched. Throws on data it does not recognise.
   */
  restore(state: unknown, now: number, present: PresentState): void;
}
