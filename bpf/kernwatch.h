/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The one definition of every record kernwatch's BPF programs emit and of
 * every map key and value userspace reads. Included by the bpf/ programs (through
 * vmlinux.h types) and by native/ (through <linux/types.h>). TypeScript
 * reads it through src/kernel/kernwatch_h.ts and native/ asserts every offset
 * through native/src/kernwatch_h_layout.h, both generated from this file as
 * clang compiles it for BPF (scripts/gen-layouts.mjs, `make layouts`); make
 * lint fails when they are stale, so no side can drift silently.
 *
 * Fixed-width types only, every struct padded explicitly to 8 bytes so that
 * the BPF target (clang -target bpf) and x86_64 agree on each offset.
 */
#ifndef KERNWATCH_H
#define KERNWATCH_H

#define KW_COMM_LEN 16
#define KW_PATH_LEN 256
#define KW_MAX_RULES 64         /* one bit each in a __u64 rule mask */
#define KW_MAX_THRESHOLDS 32    /* numeric predicates the kernel evaluates, all rules together */
#define KW_GENERATIONS 2        /* filter maps hold two rule sets: the active one and the next */
#define KW_SCRATCH_LEN 512      /* per-CPU buffer a record is built in; >= every record */
#define KW_MAX_GLOB_STATES 64   /* states of the cgroup globs the kernel follows, all rules together */
#define KW_SEGMENT_LEN 64       /* bytes of a cgroup's name compared in the kernel */
#define KW_MAX_COMM_PATTERNS 16 /* comm prefix and suffix globs the kernel compares, all rules together */

/* Event kinds. The numbering is part of the record format: append only. */
enum kw_kind {
	KW_OOM_VICTIM = 1,
	KW_PCPU_DRAIN = 2,
	KW_CGROUP_MKDIR = 3,
	KW_CGROUP_RMDIR = 4,
	KW_CGROUP_RELEASE = 5,
	KW_CGROUP_POPULATED = 6,
	KW_CGROUP_ATTACH = 7,
	KW_CGROUP_RENAME = 8,
	KW_CGROUP_TRANSFER = 9,
	KW_CGROUP_FREEZE = 10,
	KW_CGROUP_UNFREEZE = 11,
	KW_CGROUP_FROZEN = 12,
	KW_MIGRATE_START = 13,
	KW_MIGRATE_PAGES = 14,
	KW_MIGRATE_PTE = 15,
	KW_PROC_FORK = 16,
	KW_PROC_NEWTASK = 17,
	KW_PROC_EXIT = 18,
	KW_PROC_FREE = 19,
	KW_PROC_HANG = 20,
	KW_PROC_EXIT_MMAP = 21,
	KW_KIND_MAX = 22,
};

/* Header flags. */
#define KW_F_PATH_TRUNCATED (1u << 0) /* a path did not fit KW_PATH_LEN */
#define KW_F_GENERATION (1u << 1)     /* `rules` are bits of rule set generation 1, else 0 */

/*
 * Common header of every record. The task fields describe the event's
 * subject: the OOM victim, the hung task, the freed task, the forking
 * parent; for events without a subject task (cgroup, migration, page
 * drain) they describe the task that was running when it fired.
 */
struct kw_header {
	__u16 kind; /* enum kw_kind */
	__u16 size; /* bytes in this record, header included */
	__u16 cpu;
	__u16 flags;     /* KW_F_* */
	__u64 ts_ns;     /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 cgroup_id; /* the task's cgroup v2 id (kernfs node id) */
	__u32 pid;       /* thread id */
	__u32 tgid;      /* process id */
	__u32 uid;
	__u32 _pad;
	char comm[KW_COMM_LEN];
	__u64 rules; /* the rules this record may match (bit i = rule i) */
};

/* oom/mark_victim: sizes in KiB, as the tracepoint reports them. */
struct kw_oom_victim {
	struct kw_header h;
	__u64 total_vm_kb;
	__u64 anon_rss_kb;
	__u64 file_rss_kb;
	__u64 shmem_rss_kb;
	__u64 pgtables_kb;
	__u64 memcg_id;        /* the victim's memory cgroup (v1 or v2) */
	__s32 memcg_hierarchy; /* 0 = cgroup v2, otherwise the v1 hierarchy id */
	__s16 oom_score_adj;
	__u16 _pad;
	__u32 trigger_pid; /* the task whose allocation invoked the killer */
	__u32 _pad2;
	char trigger_comm[KW_COMM_LEN];
};

/* kmem/mm_page_pcpu_drain */
/* pfn of a drain seen through the BTF tracepoint, which has no pfn to give */
#define KW_PFN_UNKNOWN (~0ULL)

struct kw_pcpu_drain {
	struct kw_header h;
	__u64 pfn; /* or KW_PFN_UNKNOWN */
	__u32 order;
	__s32 migratetype;
};

/*
 * Every cgroup/ tracepoint. `val` is populated/frozen's 0 or 1;
 * task_pid/task_comm/threadgroup are the moved task of attach/transfer.
 */
struct kw_cgroup {
	struct kw_header h;
	__u64 id;
	__s32 hierarchy; /* 0 = cgroup v2 */
	__s32 level;
	__s32 val;
	__u32 task_pid;
	__u32 task_tgid;
	__u32 threadgroup;
	char task_comm[KW_COMM_LEN];
	char path[KW_PATH_LEN];
};

/* migrate/mm_migrate_pages_start */
struct kw_migrate_start {
	struct kw_header h;
	__u32 mode;
	__s32 reason;
};

/* migrate/mm_migrate_pages */
struct kw_migrate_pages {
	struct kw_header h;
	__u64 succeeded;
	__u64 failed;
	__u64 thp_succeeded;
	__u64 thp_failed;
	__u64 thp_split;
	__u64 large_folio_split;
	__u32 mode;
	__s32 reason;
};

/* migrate/remove_migration_pte */
struct kw_migrate_pte {
	struct kw_header h;
	__u64 addr;
	__u64 pte;
	__s32 order;
	__u32 _pad;
};

/* sched/sched_process_fork: the header is the parent. */
struct kw_fork {
	struct kw_header h;
	__u32 child_pid;
	__u32 child_tgid;
	char child_comm[KW_COMM_LEN];
};

/* task/task_newtask: the header is the new task. */
struct kw_newtask {
	struct kw_header h;
	__u64 clone_flags;
	__s16 oom_score_adj;
	__u16 _pad;
	__u32 _pad2;
};

/*
 * sched/sched_process_exit. signal, exit_status and age are split out in
 * the kernel so that rules such as "killed by SIGKILL within 2s of starting"
 * are decided there, not by shipping every exit to userspace.
 */
struct kw_exit {
	struct kw_header h;
	__s32 exit_code; /* raw wait status: (status << 8) | signal */
	__s32 prio;
	__u32 group_dead;
	__s32 signal;      /* exit_code & 0x7f: the signal that killed it, 0 if it exited */
	__s32 exit_status; /* (exit_code >> 8) & 0xff */
	__u32 _pad;
	__u64 age_ns; /* time since its process (thread group leader) started */
};

/* sched/sched_process_free and sched/sched_process_hang */
struct kw_task {
	struct kw_header h;
	__s32 prio;
	__u32 _pad;
};

/*
 * mmap/exit_mmap. The tracepoint's own fields are two kernel pointers; we
 * report the address space's size instead, which is what a person can act on.
 */
struct kw_exit_mmap {
	struct kw_header h;
	__u64 total_vm_kb;
	__u64 rss_kb;
};

/* Value of the per-CPU `stats` array, indexed by enum kw_kind. */
struct kw_stats {
	__u64 seen;     /* the tracepoint fired */
	__u64 sent;     /* a record was written to the ring buffer */
	__u64 lost;     /* the ring buffer was full: the record was not written */
	__u64 filtered; /* no rule wanted it, or only rules counted in the kernel */
	__u64 shed;     /* wanted in userspace, but its kind was shed (kw_control.shed_kinds) */
};

/*
 * In-kernel filtering. Rules are compiled into map entries, never code: per
 * event kind a set of rules that want it and which of them are constrained by
 * cgroup, comm or uid; per cgroup / comm / uid the rules that accept it; and
 * numeric thresholds on record fields. A record is sent when some rule may
 * still match it; userspace then decides exactly. Every key carries the rule
 * set's generation so a new rule set is written beside the old one and takes
 * over with one write to `control` (src/engine/kernel_plan.ts compiles the
 * entries, src/kernel/filter_maps.ts writes them and flips).
 */

/* `control` array, index 0 */
struct kw_control {
	__u32 generation; /* the rule set programs use now: 0 or 1 */
	/*
	 * bit `kind` set: userspace is overloaded and sheds this kind's records
	 * (counted in kw_stats.shed); rules counted in the kernel still count them
	 */
	__u32 shed_kinds;
};

/* `kind_filters` array, index generation * KW_KIND_MAX + kind */
struct kw_kind_filter {
	__u64 rules;         /* rules that want this kind; none = never sent */
	__u64 by_cgroup;     /* of those, rules that accept only cgroups in `cgroup_rules` */
	__u64 by_comm;       /* ... only comms in `comm_rules` or matching `comm_patterns` */
	__u64 by_uid;        /* ... only uids in `uid_rules` */
	__u64 by_threshold;  /* ... only records passing their `thresholds` */
	__u64 counted;       /* rules aggregated in the kernel: counted, never sent for them */
	__u64 except_cgroup; /* rules that refuse the cgroups their `cgroup_rules` entry rejects */
	__u64 except_comm;   /* rules that refuse the comms their `comm_rules` entry or a pattern rejects */
};

/*
 * Cgroup globs are followed by name, segment by segment, as a small state
 * machine: each v2 cgroup with an entry in `cgroup_rules` holds the states
 * its path has reached in every glob; a new cgroup's states are its parent's
 * stepped over the new cgroup's name, computed in the kernel on mkdir before
 * any task can enter it. So a glob on /P and everything below it follows /P
 * when /P is removed and created again, and one on the pods of any kubepods
 * slice finds /kubepods/x/pod1 when each level is new.
 */

/* `cgroup_rules` hash: a v2 cgroup, the rules whose glob matches it, and its glob states */
struct kw_cgroup_key {
	__u64 cgroup_id;
	__u32 generation;
	__u32 _pad;
};

struct kw_cgroup_rules {
	__u64 match;  /* rules whose cgroup glob matches this cgroup */
	__u64 reject; /* rules whose `except cgroup matches` glob matches it */
	__u64 states; /* glob states its path has reached (bit i = glob_states[i]); none: no entry */
};

/* What one glob segment matches in a cgroup's name. */
enum kw_segment {
	KW_SEG_NONE = 0,      /* an unused slot, or a glob's end: matches nothing further */
	KW_SEG_ANY = 1,       /* a lone star: any one name */
	KW_SEG_LITERAL = 2,   /* the name is `text` */
	KW_SEG_PREFIX = 3,    /* text then a star: the name starts with `text` */
	KW_SEG_ANY_DEPTH = 4, /* two stars: any name, staying in this state */
	KW_SEG_SUFFIX = 5,    /* a star then text: the name ends with `text`, which is stored at the end of `text` */
};

/* `glob_states` array, index generation * KW_MAX_GLOB_STATES + state */
struct kw_glob_state {
	__u64 next;   /* states a child whose name matches is in (for two stars, this one too) */
	__u64 accept; /* rules such a child matches: the rules of the glob ends in `next` */
	__u64 reject; /* rules such a child is an exception of: their `except` globs end in `next` */
	__u8 kind;    /* enum kw_segment */
	__u8 len;     /* bytes of `text` (literal, prefix, suffix); < KW_SEGMENT_LEN - 1 */
	__u16 _pad;
	__u32 _pad2;
	char text[KW_SEGMENT_LEN]; /* zero-padded; a suffix's ends at the last byte */
	char mask[KW_SEGMENT_LEN]; /* 0xff under each byte of `text` the name must have: all of a literal's */
};

/* `comm_rules` hash */
struct kw_comm_key {
	char comm[KW_COMM_LEN];
	__u32 generation;
	__u32 _pad;
};

/* `comm_rules` value: a command name, the rules that want it, those that make it an exception */
struct kw_comm_rules {
	__u64 accept;
	__u64 reject;
};

/* What a comm pattern compares: the comm's first bytes, or its last. */
enum kw_comm_match {
	KW_COMM_NONE = 0,   /* an unused slot: the patterns end here */
	KW_COMM_PREFIX = 1, /* `build*` */
	KW_COMM_SUFFIX = 2, /* `*-worker`: compared with the comm moved to end at byte 16 */
};

/*
 * `comm_patterns` array, index generation * KW_MAX_COMM_PATTERNS + slot: a
 * comm glob with one star at an end. The comm (zero-padded, or moved right
 * for a suffix) matches when its bytes under `mask` equal `text`.
 */
struct kw_comm_pattern {
	char text[KW_COMM_LEN]; /* the glob's literal bytes where the comm must have them */
	char mask[KW_COMM_LEN]; /* 0xff under each of those bytes, else 0 */
	__u64 accept;           /* rules such a comm matches */
	__u64 reject;           /* rules such a comm is an exception of */
	__u32 kind;             /* enum kw_comm_match */
	__u32 _pad;
};

/* `uid_rules` hash */
struct kw_uid_key {
	__u32 uid;
	__u32 generation;
};

enum kw_cmp {
	KW_CMP_NONE = 0, /* an unused slot */
	KW_CMP_EQ = 1,
	KW_CMP_NE = 2,
	KW_CMP_LT = 3,
	KW_CMP_LE = 4,
	KW_CMP_GT = 5,
	KW_CMP_GE = 6,
};

/* `thresholds` array, index generation * KW_MAX_THRESHOLDS + slot */
struct kw_threshold {
	__u16 kind;
	__u16 offset; /* byte offset of the field in the record */
	__u8 size;    /* 1, 2, 4 or 8 */
	__u8 is_signed;
	__u8 cmp;    /* enum kw_cmp */
	__u8 rule;   /* the rule that fails when the comparison is false */
	__u64 value; /* compared as the field's type */
};

enum kw_group_by {
	KW_GROUP_NONE = 0,
	KW_GROUP_CGROUP = 1,
	KW_GROUP_TGID = 2,
	KW_GROUP_UID = 3,
};

/* What a counted rule keeps of the field it aggregates. */
enum kw_agg_fn {
	KW_AGG_COUNT = 0, /* events only */
	KW_AGG_SUM = 1,   /* their field added up */
	KW_AGG_MAX = 2,   /* the field's largest value in the current epoch */
};

/* `rule_aggs` array, index generation * KW_MAX_RULES + rule: how a counted rule aggregates */
struct kw_rule_agg {
	__u8 group_by; /* enum kw_group_by */
	__u8 fn;       /* enum kw_agg_fn */
	__u16 offset;  /* byte offset of the aggregated field in the record */
	__u8 size;     /* 1, 2, 4 or 8; 0 for KW_AGG_COUNT */
	__u8 is_signed;
	__u16 _pad;
};

/* `counts` per-CPU hash: in-kernel aggregation of counted rules */
struct kw_count_key {
	__u32 rule;
	__u32 generation;
	__u64 group; /* cgroup id, tgid or uid, per the rule's group_by; 0 if none */
};

/*
 * `events` and `sum` only grow: userspace reads their differences. A max
 * cannot be differenced, so it is kept per epoch (`count_epoch`, which
 * userspace steps once a tick, then reads): each epoch's max goes in the
 * slot of its parity, started again by the epoch's first event on the CPU,
 * so the epoch just ended stays whole in its slot while the next one fills
 * the other, until userspace has read it.
 */
struct kw_count {
	__u64 events;
	__u64 sum; /* of the rule's sum field, raw units, two's complement if signed */
	/* of the rule's max field in the epoch of the tag beside it, raw units, two's complement if signed */
	__u64 max_even;
	__u64 max_odd;
	/* `count_epoch` + 1 of the epoch the max beside holds (even tags in the even slot); 0: none */
	__u32 tag_even;
	__u32 tag_odd;
};

#endif /* KERNWATCH_H */
