/**
 * The limits bpf/kernwatch.h defines (map sizes, rule bits, string lengths),
 * as src/kernel/kernwatch_h.ts (generated from the header) has them; values,
 * not read from the addon, so that the language, the engine and their tests
 * load without a BPF build. test/live/layout.test.ts checks the addon
 * compiled from the same header.
 */
import { KW_DEFINES, KW_ENUMS } from './kernwatch_h';

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
  /** comm prefix and suffix globs the kernel compares, all rules together */
  readonly KW_MAX_COMM_PATTERNS: number;
  /** one past the highest enum kw_kind */
  readonly KW_KIND_MAX: number;
}

export const LIMITS: KernelLimits = {
  KW_COMM_LEN: KW_DEFINES.KW_COMM_LEN,
  KW_PATH_LEN: KW_DEFINES.KW_PATH_LEN,
  KW_MAX_RULES: KW_DEFINES.KW_MAX_RULES,
  KW_MAX_THRESHOLDS: KW_DEFINES.KW_MAX_THRESHOLDS,
  KW_GENERATIONS: KW_DEFINES.KW_GENERATIONS,
  KW_SCRATCH_LEN: KW_DEFINES.KW_SCRATCH_LEN,
  KW_MAX_GLOB_STATES: KW_DEFINES.KW_MAX_GLOB_STATES,
  KW_SEGMENT_LEN: KW_DEFINES.KW_SEGMENT_LEN,
  KW_MAX_COMM_PATTERNS: KW_DEFINES.KW_MAX_COMM_PATTERNS,
  KW_KIND_MAX: KW_ENUMS.kw_kind.KW_KIND_MAX,
};
