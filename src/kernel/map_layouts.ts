/**
 * The keys and values of the maps userspace writes and reads, declared once
 * in the order of their C structs in bpf/kernwatch.h; test/live/layout.test.ts
 * holds each against the compiled object's BTF, and the enum values below
 * against its enums, so a change on one side cannot silently shift a byte.
 */
import { cStruct } from './c_layout';

export const MAP_STRUCTS = {
  kw_stats: cStruct([
    ['seen', 'u64'],
    ['sent', 'u64'],
    ['lost', 'u64'],
    ['filtered', 'u64'],
    ['shed', 'u64'],
  ]),
  kw_control: cStruct([
    ['generation', 'u32'],
    ['shed_kinds', 'u32'],
  ]),
  kw_kind_filter: cStruct([
    ['rules', 'u64'],
    ['by_cgroup', 'u64'],
    ['by_comm', 'u64'],
    ['by_uid', 'u64'],
    ['by_threshold', 'u64'],
    ['counted', 'u64'],
    ['except_cgroup', 'u64'],
    ['except_comm', 'u64'],
  ]),
  kw_cgroup_key: cStruct([
    ['cgroup_id', 'u64'],
    ['generation', 'u32'],
    ['_pad', 'u32'],
  ]),
  kw_cgroup_rules: cStruct([
    ['match', 'u64'],
    ['reject', 'u64'],
    ['states', 'u64'],
  ]),
  kw_glob_state: cStruct([
    ['next', 'u64'],
    ['accept', 'u64'],
    ['reject', 'u64'],
    ['kind', 'u8'],
    ['len', 'u8'],
    ['_pad', 'u16'],
    ['_pad2', 'u32'],
    ['text', 'segment'],
    ['mask', 'segment'],
  ]),
  kw_comm_key: cStruct([
    ['comm', 'comm'],
    ['generation', 'u32'],
    ['_pad', 'u32'],
  ]),
  kw_comm_rules: cStruct([
    ['accept', 'u64'],
    ['reject', 'u64'],
  ]),
  kw_comm_pattern: cStruct([
    ['text', 'comm'],
    ['mask', 'comm'],
    ['accept', 'u64'],
    ['reject', 'u64'],
    ['kind', 'u32'],
    ['_pad', 'u32'],
  ]),
  kw_uid_key: cStruct([
    ['uid', 'u32'],
    ['generation', 'u32'],
  ]),
  kw_threshold: cStruct([
    ['kind', 'u16'],
    ['offset', 'u16'],
    ['size', 'u8'],
    ['is_signed', 'u8'],
    ['cmp', 'u8'],
    ['rule', 'u8'],
    ['value', 'u64'],
  ]),
  kw_rule_agg: cStruct([
    ['group_by', 'u8'],
    ['fn', 'u8'],
    ['offset', 'u16'],
    ['size', 'u8'],
    ['is_signed', 'u8'],
    ['_pad', 'u16'],
  ]),
  kw_count_key: cStruct([
    ['rule', 'u32'],
    ['generation', 'u32'],
    ['group', 'u64'],
  ]),
  kw_count: cStruct([
    ['events', 'u64'],
    ['sum', 'u64'],
    ['max_even', 'u64'],
    ['max_odd', 'u64'],
    ['tag_even', 'u32'],
    ['tag_odd', 'u32'],
  ]),
} as const;

/** enum kw_cmp */
export const KW_CMP = { eq: 1, ne: 2, lt: 3, le: 4, gt: 5, ge: 6 } as const;
/** enum kw_comm_match */
export const KW_COMM_MATCH = { prefix: 1, suffix: 2 } as const;
/** enum kw_agg_fn */
export const KW_AGG_FN = { count: 0, sum: 1, max: 2 } as const;
/** enum kw_group_by */
export const KW_GROUP_BY = { none: 0, cgroup: 1, tgid: 2, uid: 3 } as const;

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
