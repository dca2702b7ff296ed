/**
 * The keys and values of the maps userspace writes and reads, and the enum
 * values it writes into them, all taken from src/kernel/kernwatch_h.ts: what
 * clang made of bpf/kernwatch.h, so a change to the header moves every byte
 * here with it.
 */
import { structLayout, type StructLayout } from './c_layout';
import { KW_ENUMS, type KwStructName } from './kernwatch_h';

const MAP_STRUCT_NAMES = [
  'kw_stats',
  'kw_control',
  'kw_kind_filter',
  'kw_cgroup_key',
  'kw_cgroup_rules',
  'kw_glob_state',
  'kw_comm_key',
  'kw_comm_rules',
  'kw_comm_pattern',
  'kw_uid_key',
  'kw_threshold',
  'kw_rule_agg',
  'kw_count_key',
  'kw_count',
] as const satisfies readonly KwStructName[];

export const MAP_STRUCTS = Object.fromEntries(MAP_STRUCT_NAMES.map((name) => [name, structLayout(name)])) as Record<
  (typeof MAP_STRUCT_NAMES)[number],
  StructLayout
>;

/** enum kw_cmp */
export const KW_CMP = {
  eq: KW_ENUMS.kw_cmp.KW_CMP_EQ,
  ne: KW_ENUMS.kw_cmp.KW_CMP_NE,
  lt: KW_ENUMS.kw_cmp.KW_CMP_LT,
  le: KW_ENUMS.kw_cmp.KW_CMP_LE,
  gt: KW_ENUMS.kw_cmp.KW_CMP_GT,
  ge: KW_ENUMS.kw_cmp.KW_CMP_GE,
} as const;
/** enum kw_comm_match */
export const KW_COMM_MATCH = { prefix: KW_ENUMS.kw_comm_match.KW_COMM_PREFIX, suffix: KW_ENUMS.kw_comm_match.KW_COMM_SUFFIX } as const;
/** enum kw_agg_fn */
export const KW_AGG_FN = {
  count: KW_ENUMS.kw_agg_fn.KW_AGG_COUNT,
  sum: KW_ENUMS.kw_agg_fn.KW_AGG_SUM,
  max: KW_ENUMS.kw_agg_fn.KW_AGG_MAX,
} as const;
/** enum kw_group_by */
export const KW_GROUP_BY = {
  none: KW_ENUMS.kw_group_by.KW_GROUP_NONE,
  cgroup: KW_ENUMS.kw_group_by.KW_GROUP_CGROUP,
  tgid: KW_ENUMS.kw_group_by.KW_GROUP_TGID,
  uid: KW_ENUMS.kw_group_by.KW_GROUP_UID,
} as const;

/** A u32 array index or key. */
export function u32Key(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

/** Per-CPU map values come one per CPU, each padded to 8 bytes. */
export function perCpuStride(size: number): number {
  return Math.ceil(size / 8) * 8;
}
