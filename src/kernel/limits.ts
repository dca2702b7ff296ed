/**
 * The limits bpf/kernwatch.h defines (map sizes, rule bits, string lengths),
 * read from the addon that was compiled against it: one definition, never a
 * second hand-kept copy in TypeScript.
 */
import { nativeAddon } from './native';

export interface KernelLimits {
  readonly KW_COMM_LEN: number;
  readonly KW_PATH_LEN: number;
  /** rules per rule set: one bit each in a 64-bit mask */
  readonly KW_MAX_RULES: number;
  /** numeric predicates the kernel evaluates, all rules together */
  readonly KW_MAX_THRESHOLDS: number;
  /** rule sets the filter maps hold: the active one and the next */
  readonly KW_GENERATIONS: number;
  readonly KW_SCRATCH_LEN: number;
  /** states of the cgroup globs the kernel follows, all rules together */
  readonly KW_MAX_GLOB_STATES: number;
  /** bytes of a cgroup's name the kernel compares */
  readonly KW_SEGMENT_LEN: number;
  /** one past the highest enum kw_kind */
  readonly KW_KIND_MAX: number;
}

export const LIMITS: KernelLimits = nativeAddon().constants();
