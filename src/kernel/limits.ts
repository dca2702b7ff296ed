/**
 * The limits bpf/kernwatch.h defines (map sizes, rule bits, string lengths).
 * The header is the definition: test/kernel_limits.test.ts reads it and fails
 * on any value that differs here, and test/live/layout.test.ts checks the
 * addon compiled from it. Kept as values rather than read from the addon so
 * that the language, the engine and their tests load without a BPF build.
 */
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
  KW_COMM_LEN: 16,
  KW_PATH_LEN: 256,
  KW_MAX_RULES: 64,
  KW_MAX_THRESHOLDS: 32,
  KW_GENERATIONS: 2,
  KW_SCRATCH_LEN: 512,
  KW_MAX_GLOB_STATES: 64,
  KW_SEGMENT_LEN: 64,
  KW_MAX_COMM_PATTERNS: 16,
  KW_KIND_MAX: 22,
};
