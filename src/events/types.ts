/**
 * The vocabulary of the event catalog: what a field holds, in which unit,
 * and how it sits in the C record of bpf/kernwatch.h.
 */

import type { CType } from '../kernel/c_layout';

export type { CType } from '../kernel/c_layout';

/** What a decoded field holds, as rules and JSON output see it. */
export type ValueType =
  | 'number' // a count, size, pid, ...: a JS number (exact below 2^53)
  | 'string' // free text from the kernel: untrusted
  | 'bool'
  | 'enum' // one of `values`
  | 'path' // a cgroup path, "/" separated, relative to its hierarchy
  | 'id' // a 64-bit kernel id: bigint in memory, decimal string in JSON
  | 'address'; // a kernel address or raw PTE: "0x..." string

export type Unit = 'bytes' | 'ns';

export interface FieldSpec {
  readonly name: string;
  readonly type: ValueType;
  readonly unit?: Unit;
  /** Symbols of an enum field, indexed by the kernel's numeric value. */
  readonly values?: readonly string[];
  readonly doc: string;
}

/**
 * One C member of a record, in declaration order. `field` names the decoded
 * field it fills; members without one are padding or feed a derived field.
 */
export interface MemberSpec {
  readonly c: string;
  readonly ctype: CType;
  readonly field?: string;
  /** Multiplier applied when decoding, e.g. 1024 to turn KiB into bytes. */
  readonly scale?: number;
  /** the raw value that means the kernel could not say (a fallback program's); decoded as -1 */
  readonly unknown?: bigint;
}

export type Family = 'memory' | 'cgroup' | 'migration' | 'process';

/**
 * Whose context the common task fields describe, and where `cgroup` comes
 * from: the subject task's v2 cgroup, the running task's, or the cgroup the
 * event is about.
 */
export type Subject = 'task' | 'current' | 'cgroup';

export interface EventSpec {
  readonly name: string;
  /** enum kw_kind in bpf/kernwatch.h */
  readonly kind: number;
  /** tracefs name, "group/event" */
  readonly tracepoint: string;
  /** BPF program in bpf/kernwatch.bpf.c */
  readonly program: string;
  /**
   * A program for the same tracepoint and record, attached when `program`
   * cannot be: it costs the event some detail (`loses`), not the event.
   */
  readonly fallback?: { readonly program: string; readonly loses: string };
  /** struct name in bpf/kernwatch.h */
  readonly record: string;
  readonly family: Family;
  readonly subject: Subject;
  /** Bursts of thousands per second are normal for this event. */
  readonly highRate: boolean;
  /** the few fields a person paged acts on, in the order an alert shows them; the rest are details */
  readonly keyFields: readonly string[];
  /** for high-rate events: how many records a burst makes, said when a rule would ship every one */
  readonly burst?: string;
  readonly doc: string;
  /** C members after the header, in order. */
  readonly members: readonly MemberSpec[];
  /** Every field beyond the common ones, C-backed or derived. */
  readonly fields: readonly FieldSpec[];
}
