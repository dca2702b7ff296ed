/**
 * Generated from bpf/kernwatch.h by scripts/gen-layouts.mjs (`make layouts`): do not edit.
 * The header as clang compiles it for BPF: every #define, enum and struct,
 * members in C order with their offsets. `make lint` fails when this file
 * differs from what the header gives.
 */

/** Numeric #defines; KW_PFN_UNKNOWN and the other 64-bit ones as bigint. */
export const KW_DEFINES = {
  KW_COMM_LEN: 16,
  KW_PATH_LEN: 256,
  KW_MAX_RULES: 64,
  KW_MAX_THRESHOLDS: 32,
  KW_GENERATIONS: 2,
  KW_SCRATCH_LEN: 512,
  KW_MAX_GLOB_STATES: 64,
  KW_SEGMENT_LEN: 64,
  KW_MAX_COMM_PATTERNS: 16,
  KW_F_PATH_TRUNCATED: 1,
  KW_F_GENERATION: 2,
  KW_PFN_UNKNOWN: 0xffffffffffffffffn,
} as const;

export const KW_ENUMS = {
  kw_kind: {
    KW_OOM_VICTIM: 1,
    KW_PCPU_DRAIN: 2,
    KW_CGROUP_MKDIR: 3,
    KW_CGROUP_RMDIR: 4,
    KW_CGROUP_RELEASE: 5,
    KW_CGROUP_POPULATED: 6,
    KW_CGROUP_ATTACH: 7,
    KW_CGROUP_RENAME: 8,
    KW_CGROUP_TRANSFER: 9,
    KW_CGROUP_FREEZE: 10,
    KW_CGROUP_UNFREEZE: 11,
    KW_CGROUP_FROZEN: 12,
    KW_MIGRATE_START: 13,
    KW_MIGRATE_PAGES: 14,
    KW_MIGRATE_PTE: 15,
    KW_PROC_FORK: 16,
    KW_PROC_NEWTASK: 17,
    KW_PROC_EXIT: 18,
    KW_PROC_FREE: 19,
    KW_PROC_HANG: 20,
    KW_PROC_EXIT_MMAP: 21,
    KW_KIND_MAX: 22,
  },
  kw_segment: {
    KW_SEG_NONE: 0,
    KW_SEG_ANY: 1,
    KW_SEG_LITERAL: 2,
    KW_SEG_PREFIX: 3,
    KW_SEG_ANY_DEPTH: 4,
    KW_SEG_SUFFIX: 5,
  },
  kw_comm_match: {
    KW_COMM_NONE: 0,
    KW_COMM_PREFIX: 1,
    KW_COMM_SUFFIX: 2,
  },
  kw_cmp: {
    KW_CMP_NONE: 0,
    KW_CMP_EQ: 1,
    KW_CMP_NE: 2,
    KW_CMP_LT: 3,
    KW_CMP_LE: 4,
    KW_CMP_GT: 5,
    KW_CMP_GE: 6,
  },
  kw_group_by: {
    KW_GROUP_NONE: 0,
    KW_GROUP_CGROUP: 1,
    KW_GROUP_TGID: 2,
    KW_GROUP_UID: 3,
  },
  kw_agg_fn: {
    KW_AGG_COUNT: 0,
    KW_AGG_SUM: 1,
    KW_AGG_MAX: 2,
  },
} as const;

/** A member's type: a fixed-width integer, a char array of one of the header's string lengths, or a struct. */
export type KwType = 'u8' | 's8' | 'u16' | 's16' | 'u32' | 's32' | 'u64' | 's64' | 'comm' | 'path' | 'segment' | `struct ${string}`;

export interface KwMember {
  readonly name: string;
  readonly type: KwType;
  readonly offset: number;
  readonly size: number;
}

export interface KwStruct {
  readonly size: number;
  readonly members: readonly KwMember[];
}

export const KW_STRUCTS = {
  kw_header: {
    size: 64,
    members: [
      { name: 'kind', type: 'u16', offset: 0, size: 2 },
      { name: 'size', type: 'u16', offset: 2, size: 2 },
      { name: 'cpu', type: 'u16', offset: 4, size: 2 },
      { name: 'flags', type: 'u16', offset: 6, size: 2 },
      { name: 'ts_ns', type: 'u64', offset: 8, size: 8 },
      { name: 'cgroup_id', type: 'u64', offset: 16, size: 8 },
      { name: 'pid', type: 'u32', offset: 24, size: 4 },
      { name: 'tgid', type: 'u32', offset: 28, size: 4 },
      { name: 'uid', type: 'u32', offset: 32, size: 4 },
      { name: '_pad', type: 'u32', offset: 36, size: 4 },
      { name: 'comm', type: 'comm', offset: 40, size: 16 },
      { name: 'rules', type: 'u64', offset: 56, size: 8 },
    ],
  },
  kw_oom_victim: {
    size: 144,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'total_vm_kb', type: 'u64', offset: 64, size: 8 },
      { name: 'anon_rss_kb', type: 'u64', offset: 72, size: 8 },
      { name: 'file_rss_kb', type: 'u64', offset: 80, size: 8 },
      { name: 'shmem_rss_kb', type: 'u64', offset: 88, size: 8 },
      { name: 'pgtables_kb', type: 'u64', offset: 96, size: 8 },
      { name: 'memcg_id', type: 'u64', offset: 104, size: 8 },
      { name: 'memcg_hierarchy', type: 's32', offset: 112, size: 4 },
      { name: 'oom_score_adj', type: 's16', offset: 116, size: 2 },
      { name: '_pad', type: 'u16', offset: 118, size: 2 },
      { name: 'trigger_pid', type: 'u32', offset: 120, size: 4 },
      { name: '_pad2', type: 'u32', offset: 124, size: 4 },
      { name: 'trigger_comm', type: 'comm', offset: 128, size: 16 },
    ],
  },
  kw_pcpu_drain: {
    size: 80,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'pfn', type: 'u64', offset: 64, size: 8 },
      { name: 'order', type: 'u32', offset: 72, size: 4 },
      { name: 'migratetype', type: 's32', offset: 76, size: 4 },
    ],
  },
  kw_cgroup: {
    size: 368,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'id', type: 'u64', offset: 64, size: 8 },
      { name: 'hierarchy', type: 's32', offset: 72, size: 4 },
      { name: 'level', type: 's32', offset: 76, size: 4 },
      { name: 'val', type: 's32', offset: 80, size: 4 },
      { name: 'task_pid', type: 'u32', offset: 84, size: 4 },
      { name: 'task_tgid', type: 'u32', offset: 88, size: 4 },
      { name: 'threadgroup', type: 'u32', offset: 92, size: 4 },
      { name: 'task_comm', type: 'comm', offset: 96, size: 16 },
      { name: 'path', type: 'path', offset: 112, size: 256 },
    ],
  },
  kw_migrate_start: {
    size: 72,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'mode', type: 'u32', offset: 64, size: 4 },
      { name: 'reason', type: 's32', offset: 68, size: 4 },
    ],
  },
  kw_migrate_pages: {
    size: 120,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'succeeded', type: 'u64', offset: 64, size: 8 },
      { name: 'failed', type: 'u64', offset: 72, size: 8 },
      { name: 'thp_succeeded', type: 'u64', offset: 80, size: 8 },
      { name: 'thp_failed', type: 'u64', offset: 88, size: 8 },
      { name: 'thp_split', type: 'u64', offset: 96, size: 8 },
      { name: 'large_folio_split', type: 'u64', offset: 104, size: 8 },
      { name: 'mode', type: 'u32', offset: 112, size: 4 },
      { name: 'reason', type: 's32', offset: 116, size: 4 },
    ],
  },
  kw_migrate_pte: {
    size: 88,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'addr', type: 'u64', offset: 64, size: 8 },
      { name: 'pte', type: 'u64', offset: 72, size: 8 },
      { name: 'order', type: 's32', offset: 80, size: 4 },
      { name: '_pad', type: 'u32', offset: 84, size: 4 },
    ],
  },
  kw_fork: {
    size: 88,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'child_pid', type: 'u32', offset: 64, size: 4 },
      { name: 'child_tgid', type: 'u32', offset: 68, size: 4 },
      { name: 'child_comm', type: 'comm', offset: 72, size: 16 },
    ],
  },
  kw_newtask: {
    size: 80,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'clone_flags', type: 'u64', offset: 64, size: 8 },
      { name: 'oom_score_adj', type: 's16', offset: 72, size: 2 },
      { name: '_pad', type: 'u16', offset: 74, size: 2 },
      { name: '_pad2', type: 'u32', offset: 76, size: 4 },
    ],
  },
  kw_exit: {
    size: 96,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'exit_code', type: 's32', offset: 64, size: 4 },
      { name: 'prio', type: 's32', offset: 68, size: 4 },
      { name: 'group_dead', type: 'u32', offset: 72, size: 4 },
      { name: 'signal', type: 's32', offset: 76, size: 4 },
      { name: 'exit_status', type: 's32', offset: 80, size: 4 },
      { name: '_pad', type: 'u32', offset: 84, size: 4 },
      { name: 'age_ns', type: 'u64', offset: 88, size: 8 },
    ],
  },
  kw_task: {
    size: 72,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'prio', type: 's32', offset: 64, size: 4 },
      { name: '_pad', type: 'u32', offset: 68, size: 4 },
    ],
  },
  kw_exit_mmap: {
    size: 80,
    members: [
      { name: 'h', type: 'struct kw_header', offset: 0, size: 64 },
      { name: 'total_vm_kb', type: 'u64', offset: 64, size: 8 },
      { name: 'rss_kb', type: 'u64', offset: 72, size: 8 },
    ],
  },
  kw_stats: {
    size: 40,
    members: [
      { name: 'seen', type: 'u64', offset: 0, size: 8 },
      { name: 'sent', type: 'u64', offset: 8, size: 8 },
      { name: 'lost', type: 'u64', offset: 16, size: 8 },
      { name: 'filtered', type: 'u64', offset: 24, size: 8 },
      { name: 'shed', type: 'u64', offset: 32, size: 8 },
    ],
  },
  kw_control: {
    size: 8,
    members: [
      { name: 'generation', type: 'u32', offset: 0, size: 4 },
      { name: 'shed_kinds', type: 'u32', offset: 4, size: 4 },
    ],
  },
  kw_kind_filter: {
    size: 64,
    members: [
      { name: 'rules', type: 'u64', offset: 0, size: 8 },
      { name: 'by_cgroup', type: 'u64', offset: 8, size: 8 },
      { name: 'by_comm', type: 'u64', offset: 16, size: 8 },
      { name: 'by_uid', type: 'u64', offset: 24, size: 8 },
      { name: 'by_threshold', type: 'u64', offset: 32, size: 8 },
      { name: 'counted', type: 'u64', offset: 40, size: 8 },
      { name: 'except_cgroup', type: 'u64', offset: 48, size: 8 },
      { name: 'except_comm', type: 'u64', offset: 56, size: 8 },
    ],
  },
  kw_cgroup_key: {
    size: 16,
    members: [
      { name: 'cgroup_id', type: 'u64', offset: 0, size: 8 },
      { name: 'generation', type: 'u32', offset: 8, size: 4 },
      { name: '_pad', type: 'u32', offset: 12, size: 4 },
    ],
  },
  kw_cgroup_rules: {
    size: 24,
    members: [
      { name: 'match', type: 'u64', offset: 0, size: 8 },
      { name: 'reject', type: 'u64', offset: 8, size: 8 },
      { name: 'states', type: 'u64', offset: 16, size: 8 },
    ],
  },
  kw_glob_state: {
    size: 160,
    members: [
      { name: 'next', type: 'u64', offset: 0, size: 8 },
      { name: 'accept', type: 'u64', offset: 8, size: 8 },
      { name: 'reject', type: 'u64', offset: 16, size: 8 },
      { name: 'kind', type: 'u8', offset: 24, size: 1 },
      { name: 'len', type: 'u8', offset: 25, size: 1 },
      { name: '_pad', type: 'u16', offset: 26, size: 2 },
      { name: '_pad2', type: 'u32', offset: 28, size: 4 },
      { name: 'text', type: 'segment', offset: 32, size: 64 },
      { name: 'mask', type: 'segment', offset: 96, size: 64 },
    ],
  },
  kw_comm_key: {
    size: 24,
    members: [
      { name: 'comm', type: 'comm', offset: 0, size: 16 },
      { name: 'generation', type: 'u32', offset: 16, size: 4 },
      { name: '_pad', type: 'u32', offset: 20, size: 4 },
    ],
  },
  kw_comm_rules: {
    size: 16,
    members: [
      { name: 'accept', type: 'u64', offset: 0, size: 8 },
      { name: 'reject', type: 'u64', offset: 8, size: 8 },
    ],
  },
  kw_comm_pattern: {
    size: 56,
    members: [
      { name: 'text', type: 'comm', offset: 0, size: 16 },
      { name: 'mask', type: 'comm', offset: 16, size: 16 },
      { name: 'accept', type: 'u64', offset: 32, size: 8 },
      { name: 'reject', type: 'u64', offset: 40, size: 8 },
      { name: 'kind', type: 'u32', offset: 48, size: 4 },
      { name: '_pad', type: 'u32', offset: 52, size: 4 },
    ],
  },
  kw_uid_key: {
    size: 8,
    members: [
      { name: 'uid', type: 'u32', offset: 0, size: 4 },
      { name: 'generation', type: 'u32', offset: 4, size: 4 },
    ],
  },
  kw_threshold: {
    size: 16,
    members: [
      { name: 'kind', type: 'u16', offset: 0, size: 2 },
      { name: 'offset', type: 'u16', offset: 2, size: 2 },
      { name: 'size', type: 'u8', offset: 4, size: 1 },
      { name: 'is_signed', type: 'u8', offset: 5, size: 1 },
      { name: 'cmp', type: 'u8', offset: 6, size: 1 },
      { name: 'rule', type: 'u8', offset: 7, size: 1 },
      { name: 'value', type: 'u64', offset: 8, size: 8 },
    ],
  },
  kw_rule_agg: {
    size: 8,
    members: [
      { name: 'group_by', type: 'u8', offset: 0, size: 1 },
      { name: 'fn', type: 'u8', offset: 1, size: 1 },
      { name: 'offset', type: 'u16', offset: 2, size: 2 },
      { name: 'size', type: 'u8', offset: 4, size: 1 },
      { name: 'is_signed', type: 'u8', offset: 5, size: 1 },
      { name: '_pad', type: 'u16', offset: 6, size: 2 },
    ],
  },
  kw_count_key: {
    size: 16,
    members: [
      { name: 'rule', type: 'u32', offset: 0, size: 4 },
      { name: 'generation', type: 'u32', offset: 4, size: 4 },
      { name: 'group', type: 'u64', offset: 8, size: 8 },
    ],
  },
  kw_count: {
    size: 40,
    members: [
      { name: 'events', type: 'u64', offset: 0, size: 8 },
      { name: 'sum', type: 'u64', offset: 8, size: 8 },
      { name: 'max_even', type: 'u64', offset: 16, size: 8 },
      { name: 'max_odd', type: 'u64', offset: 24, size: 8 },
      { name: 'tag_even', type: 'u32', offset: 32, size: 4 },
      { name: 'tag_odd', type: 'u32', offset: 36, size: 4 },
    ],
  },
} as const satisfies Record<string, KwStruct>;

export type KwStructName = keyof typeof KW_STRUCTS;
