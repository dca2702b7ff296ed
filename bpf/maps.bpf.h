/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The maps of kernwatch's BPF object: the ring buffer, per-kind counters,
 * the per-CPU buffers records are built in, and the filter maps userspace
 * writes rules into (layouts in kernwatch.h, src/kernel/map_layouts.ts).
 */
#ifndef KERNWATCH_MAPS_BPF_H
#define KERNWATCH_MAPS_BPF_H

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by userspace before load */
} events SEC(".maps");

/*
 * The rare, page-worthy kinds (`urgent_kinds`) have a ring of their own,
 * which the reader always drains first: an OOM victim never waits behind a
 * flood of page drains, and a full bulk ring never costs one.
 */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* resized by userspace before load */
} urgent SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KW_KIND_MAX);
	__type(key, __u32);
	__type(value, struct kw_stats);
} stats SEC(".maps");

/*
 * Records are built here, one buffer per kind and CPU: a program can be
 * interrupted on its CPU by another one (sched_process_free runs from RCU
 * softirq), but never by itself.
 */
struct scratch_buf {
	__u8 bytes[KW_SCRATCH_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, KW_KIND_MAX);
	__type(key, __u32);
	__type(value, struct scratch_buf);
} scratch SEC(".maps");

/*
 * Per-CPU room for a new cgroup's name when globs step it: the whole name
 * (NAME_MAX), and its last KW_SEGMENT_LEN bytes moved to end at byte
 * KW_SEGMENT_LEN of `tail` for suffix segments (the bytes before are zero,
 * and `tail` is twice that long so that the verifier sees every copy fit).
 */
struct name_buf {
	char full[256];
	char tail[2 * KW_SEGMENT_LEN];
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct name_buf);
} name_scratch SEC(".maps");

/* ---- filter maps: see the comment in kernwatch.h ---------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kw_control);
} control SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, (KW_GENERATIONS * KW_KIND_MAX));
	__type(key, __u32);
	__type(value, struct kw_kind_filter);
} kind_filters SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct kw_cgroup_key);
	__type(value, struct kw_cgroup_rules);
} cgroup_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, (KW_GENERATIONS * KW_MAX_GLOB_STATES));
	__type(key, __u32);
	__type(value, struct kw_glob_state);
} glob_states SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct kw_comm_key);
	__type(value, struct kw_comm_rules);
} comm_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KW_GENERATIONS *KW_MAX_COMM_PATTERNS);
	__type(key, __u32);
	__type(value, struct kw_comm_pattern);
} comm_patterns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct kw_uid_key);
	__type(value, __u64);
} uid_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, (KW_GENERATIONS * KW_MAX_THRESHOLDS));
	__type(key, __u32);
	__type(value, struct kw_threshold);
} thresholds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, (KW_GENERATIONS * KW_MAX_RULES));
	__type(key, __u32);
	__type(value, struct kw_rule_agg);
} rule_aggs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct kw_count_key);
	__type(value, struct kw_count);
} counts SEC(".maps");

/* index 0: the epoch of kw_count.max (see kernwatch.h), stepped by userspace at every read */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} count_epoch SEC(".maps");

/*
 * Never read: it puts every record type into the object's BTF, where
 * test/live/layout.test.ts holds src/kernel/kernwatch_h.ts to it.
 */
struct kw_record_types {
	struct kw_oom_victim oom_victim;
	struct kw_pcpu_drain pcpu_drain;
	struct kw_cgroup cgroup;
	struct kw_migrate_start migrate_start;
	struct kw_migrate_pages migrate_pages;
	struct kw_migrate_pte migrate_pte;
	struct kw_fork fork;
	struct kw_newtask newtask;
	struct kw_exit exit;
	struct kw_task task;
	struct kw_exit_mmap exit_mmap;
};
const struct kw_record_types *record_types __attribute__((unused));

/* Never read either: puts the enums userspace writes into maps into the BTF, for the same test. */
struct kw_enum_types {
	enum kw_kind kind;
	enum kw_cmp cmp;
	enum kw_group_by group_by;
	enum kw_segment segment;
	enum kw_comm_match comm_match;
	enum kw_agg_fn agg_fn;
};
const struct kw_enum_types *enum_types __attribute__((unused));

#endif /* KERNWATCH_MAPS_BPF_H */
