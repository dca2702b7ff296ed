// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * kernwatch's kernel side: one program per tracepoint, each turning the
 * tracepoint's arguments into a record of bpf/kernwatch.h and submitting it
 * to the `events` ring buffer. Every firing is counted in `stats` (seen,
 * sent, lost) so that userspace can say how much it did not receive.
 *
 * tp_btf programs read typed arguments through BTF and need no tracefs. The
 * one exception is mm_page_pcpu_drain, see handle__mm_page_pcpu_drain.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include "kernwatch.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * Records are submitted without waking the reader until this many bytes are
 * waiting; the reader polls with a short timeout for the rest. One wakeup per
 * record would cost more than the record itself during a fork storm.
 */
const volatile __u64 wakeup_bytes = 64 * 1024;

/*
 * Tracepoint prototypes that grew an argument over time, as this kernel's
 * BTF declares them (`btf_trace_<name>`, counted without the leading void *).
 * Userspace reads them from the running kernel's BTF before load; the
 * verifier then prunes the branches for other prototypes, so a program never
 * touches an argument this kernel does not pass.
 */
const volatile __u32 mm_migrate_pages_args = 8;
const volatile __u32 sched_process_exit_args = 2;

/*
 * Argument `i` of a tp_btf program, as one load at a constant offset from
 * the context. Plain ctx[i] in branches chosen by the knobs above lets clang
 * merge the loads into one through an offset context pointer, which the
 * verifier refuses ("dereference of modified ctx ptr").
 */
#define TP_ARG(ctx, i)                                                                   \
	({                                                                               \
		__u64 __arg;                                                             \
		asm volatile("%0 = *(u64 *)(%1 + %2)" : "=r"(__arg) : "r"(ctx), "i"((i) * 8)); \
		__arg;                                                                   \
	})

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 8 << 20); /* resized by userspace before load */
} events SEC(".maps");

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

/* ---- filter maps: see the comment in kernwatch.h ---------------------- */

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct kw_control);
} control SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KW_GENERATIONS * KW_KIND_MAX);
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
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct kw_comm_key);
	__type(value, __u64);
} comm_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct kw_uid_key);
	__type(value, __u64);
} uid_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KW_GENERATIONS * KW_MAX_THRESHOLDS);
	__type(key, __u32);
	__type(value, struct kw_threshold);
} thresholds SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, KW_GENERATIONS * KW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct kw_rule_agg);
} rule_aggs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct kw_count_key);
	__type(value, struct kw_count);
} counts SEC(".maps");

/*
 * Never read: it puts every record type into the object's BTF, where
 * test/layout.test.ts checks the TypeScript decoder's offsets against it.
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
};
const struct kw_enum_types *enum_types __attribute__((unused));

static __always_inline struct kw_stats *stats_of(__u32 kind)
{
	return bpf_map_lookup_elem(&stats, &kind);
}

static __always_inline __u32 active_generation(void)
{
	__u32 zero = 0;
	struct kw_control *c = bpf_map_lookup_elem(&control, &zero);

	return c ? c->generation & 1 : 0;
}

/* Starts a record of `kind` in its scratch buffer, counting the firing. */
static __always_inline void *begin(__u32 kind)
{
	struct kw_stats *s = stats_of(kind);
	struct kw_header *h;

	if (s)
		s->seen++;
	h = bpf_map_lookup_elem(&scratch, &kind);
	if (!h)
		return NULL;
	h->kind = kind;
	h->flags = 0;
	h->_pad = 0;
	h->cpu = bpf_get_smp_processor_id();
	h->ts_ns = bpf_ktime_get_ns();
	h->rules = 0;
	return h;
}

struct threshold_ctx {
	__u32 kind;
	__u32 generation;
	__u64 mask;
};

static __always_inline bool compare(__u8 cmp, bool is_signed, __u64 a, __u64 b)
{
	if (is_signed) {
		__s64 x = a, y = b;
		return cmp == KW_CMP_EQ ? x == y : cmp == KW_CMP_NE ? x != y : cmp == KW_CMP_LT ? x < y :
		       cmp == KW_CMP_LE ? x <= y : cmp == KW_CMP_GT ? x > y : x >= y;
	}
	return cmp == KW_CMP_EQ ? a == b : cmp == KW_CMP_NE ? a != b : cmp == KW_CMP_LT ? a < b :
	       cmp == KW_CMP_LE ? a <= b : cmp == KW_CMP_GT ? a > b : a >= b;
}

/* A field of the record being built for `kind`, widened to 64 bits. */
static __always_inline bool read_field(__u32 kind, __u32 offset, __u8 size, bool is_signed, __u64 *out)
{
	__u8 *rec = bpf_map_lookup_elem(&scratch, &kind);
	__u64 raw;

	if (!rec || offset > KW_SCRATCH_LEN - 8)
		return false;
	raw = *(__u64 *)(rec + offset);
	switch (size) {
	case 1:
		raw = is_signed ? (__u64)(__s64)(__s8)raw : (__u8)raw;
		break;
	case 2:
		raw = is_signed ? (__u64)(__s64)(__s16)raw : (__u16)raw;
		break;
	case 4:
		raw = is_signed ? (__u64)(__s64)(__s32)raw : (__u32)raw;
		break;
	}
	*out = raw;
	return true;
}

/*
 * The loops over threshold slots and rules. bpf_loop() (5.17) keeps the
 * verifier's work to one pass over the body; kernels without it (5.15 and
 * older; before 5.13 a callback cannot even be referenced) get the compat
 * object, built with KW_NO_BPF_LOOP, where the same bodies run in bounded
 * loops that the verifier walks once per iteration. Userspace picks the
 * object from the kernel's BTF at load time.
 */
#ifdef KW_NO_BPF_LOOP
#define LOOP_BODY static __always_inline long
#define LOOP(n, body, ctx)                    \
	for (__u32 __i = 0; __i < (n); __i++) \
	body(__i, ctx)
#else
#define LOOP_BODY static long
#define LOOP(n, body, ctx) bpf_loop((n), (body), (ctx), 0)
#endif

/* Loop body: one threshold slot; clears the rule's bit when it fails. */
LOOP_BODY check_threshold(__u32 slot, struct threshold_ctx *ctx)
{
	__u32 index = ctx->generation * KW_MAX_THRESHOLDS + slot;
	struct kw_threshold *t = bpf_map_lookup_elem(&thresholds, &index);
	__u64 value;

	if (!t || t->cmp == KW_CMP_NONE || t->kind != ctx->kind)
		return 0;
	if (!read_field(ctx->kind, t->offset, t->size, t->is_signed, &value))
		return 0;
	if (!compare(t->cmp, t->is_signed, value, t->value))
		ctx->mask &= ~(1ULL << (t->rule & 63));
	return 0;
}

struct count_ctx {
	__u64 rules;
	__u64 cgroup_id;
	__u32 tgid;
	__u32 uid;
	__u32 generation;
	__u32 kind;
};

/* Loop body: counts the event for rule `rule` if it is in ctx->rules. */
LOOP_BODY count_rule(__u32 rule, struct count_ctx *ctx)
{
	__u32 index = ctx->generation * KW_MAX_RULES + rule;
	struct kw_count_key key = { .rule = rule, .generation = ctx->generation };
	struct kw_count one = { .events = 1 }, *c;
	struct kw_rule_agg *agg;
	__u64 value = 0;

	if (!(ctx->rules & (1ULL << (rule & 63))))
		return 0;
	agg = bpf_map_lookup_elem(&rule_aggs, &index);
	if (!agg)
		return 0;
	if (agg->group_by == KW_GROUP_CGROUP)
		key.group = ctx->cgroup_id;
	else if (agg->group_by == KW_GROUP_TGID)
		key.group = ctx->tgid;
	else if (agg->group_by == KW_GROUP_UID)
		key.group = ctx->uid;
	if (agg->sum_size && !read_field(ctx->kind, agg->sum_offset, agg->sum_size, agg->sum_signed, &value))
		value = 0;
	one.sum = value;
	c = bpf_map_lookup_elem(&counts, &key);
	if (!c && bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) == 0)
		return 0;
	/* the key existed, or another CPU created it first: count on ours */
	if (!c)
		c = bpf_map_lookup_elem(&counts, &key);
	if (c) {
		c->events++;
		c->sum += value;
	}
	return 0;
}

/*
 * Decides which rules may want the record built in `rec`, counts it for the
 * rules aggregated in the kernel, and writes it to the ring buffer when a
 * rule evaluated in userspace may match. `cgroup_id` is the v2 cgroup the
 * event is about (0 when it is not a v2 cgroup: cgroup filters then pass).
 */
static __always_inline int finish(void *rec, __u32 size, __u64 cgroup_id)
{
	struct kw_header *h = rec;
	__u32 kind = h->kind;
	struct kw_stats *s = stats_of(kind);
	__u32 generation = active_generation();
	__u32 index = generation * KW_KIND_MAX + kind;
	struct kw_kind_filter *kf = bpf_map_lookup_elem(&kind_filters, &index);
	__u64 mask, flags = BPF_RB_NO_WAKEUP;

	if (!kf || !s)
		return 0;
	mask = kf->rules;
	if ((mask & kf->by_cgroup) && cgroup_id) {
		struct kw_cgroup_key key = { .cgroup_id = cgroup_id, .generation = generation };
		struct kw_cgroup_rules *cr = bpf_map_lookup_elem(&cgroup_rules, &key);

		mask &= ~kf->by_cgroup | (cr ? cr->match : 0);
	}
	if (mask & kf->by_comm) {
		struct kw_comm_key key = { .generation = generation };
		__u64 *accept;

		__builtin_memcpy(key.comm, h->comm, KW_COMM_LEN);
		accept = bpf_map_lookup_elem(&comm_rules, &key);
		mask &= ~kf->by_comm | (accept ? *accept : 0);
	}
	if (mask & kf->by_uid) {
		struct kw_uid_key key = { .uid = h->uid, .generation = generation };
		__u64 *accept = bpf_map_lookup_elem(&uid_rules, &key);

		mask &= ~kf->by_uid | (accept ? *accept : 0);
	}
	if (mask & kf->by_threshold) {
		struct threshold_ctx ctx = { .kind = kind, .generation = generation, .mask = mask };

		LOOP(KW_MAX_THRESHOLDS, check_threshold, &ctx);
		mask = ctx.mask;
	}
	if (mask & kf->counted) {
		struct count_ctx ctx = {
			.rules = mask & kf->counted,
			.cgroup_id = cgroup_id,
			.tgid = h->tgid,
			.uid = h->uid,
			.generation = generation,
			.kind = kind,
		};

		LOOP(KW_MAX_RULES, count_rule, &ctx);
	}
	mask &= ~kf->counted;
	if (!mask) {
		s->filtered++;
		return 0;
	}
	h->rules = mask;
	if (generation)
		h->flags |= KW_F_GENERATION;
	h->size = size;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_output(&events, rec, size, flags))
		s->lost++;
	else
		s->sent++;
	return 0;
}

static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

/*
 * Reads a task's comm zero-padded: records are built in reused buffers and
 * comm filters compare all 16 bytes.
 */
static __always_inline void read_comm(char *dst, struct task_struct *task)
{
	__builtin_memset(dst, 0, KW_COMM_LEN);
	bpf_probe_read_kernel_str(dst, KW_COMM_LEN, &task->comm);
}

/* Fills the header's task fields from `task`, the event's subject. */
static __always_inline void header_from_task(struct kw_header *h, struct task_struct *task)
{
	h->pid = BPF_CORE_READ(task, pid);
	h->tgid = BPF_CORE_READ(task, tgid);
	h->uid = BPF_CORE_READ(task, cred, uid.val);
	h->cgroup_id = task_cgroup_id(task);
	read_comm(h->comm, task);
}

/* Fills the header's task fields from the task running now. */
static __always_inline void header_from_current(struct kw_header *h)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();

	h->pid = (__u32)pid_tgid;
	h->tgid = pid_tgid >> 32;
	h->uid = (__u32)bpf_get_current_uid_gid();
	h->cgroup_id = bpf_get_current_cgroup_id();
	bpf_get_current_comm(&h->comm, sizeof(h->comm));
}

/* ---- memory ------------------------------------------------------------ */

/*
 * Before 6.2 (f1a7941243c1 "mm: convert mm's rss stats into
 * percpu_counter"), mm->rss_stat was a struct mm_rss_stat holding an
 * atomic_long_t per counter.
 */
struct mm_rss_stat___pre62 {
	atomic_long_t count[NR_MM_COUNTERS];
} __attribute__((preserve_access_index));

struct mm_struct___pre62 {
	struct mm_rss_stat___pre62 rss_stat;
} __attribute__((preserve_access_index));

static __always_inline __u64 mm_counter_kb(struct mm_struct *mm, int member)
{
	__s64 pages;

	/* get_mm_counter(): percpu_counter_read_positive() since 6.2 */
	if (bpf_core_type_exists(struct mm_rss_stat___pre62))
		pages = BPF_CORE_READ((struct mm_struct___pre62 *)mm, rss_stat.count[member].counter);
	else
		pages = BPF_CORE_READ(mm, rss_stat[member].count);
	return pages > 0 ? (__u64)pages * 4 : 0;
}

/* TP_PROTO(struct task_struct *task, uid_t uid) */
SEC("tp_btf/mark_victim")
int BPF_PROG(handle__mark_victim, struct task_struct *task, uid_t uid)
{
	struct kw_oom_victim *r = begin(KW_OOM_VICTIM);
	struct mm_struct *mm;
	struct cgroup *memcg;
	int memory_id = bpf_core_enum_value(enum cgroup_subsys_id, memory_cgrp_id);

	if (!r)
		return 0;
	header_from_task(&r->h, task);
	r->h.uid = uid;
	mm = BPF_CORE_READ(task, mm);
	r->total_vm_kb = mm ? BPF_CORE_READ(mm, total_vm) * 4 : 0;
	r->anon_rss_kb = mm ? mm_counter_kb(mm, MM_ANONPAGES) : 0;
	r->file_rss_kb = mm ? mm_counter_kb(mm, MM_FILEPAGES) : 0;
	r->shmem_rss_kb = mm ? mm_counter_kb(mm, MM_SHMEMPAGES) : 0;
	r->pgtables_kb = mm ? BPF_CORE_READ(mm, pgtables_bytes.counter) >> 10 : 0;
	r->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	memory_id &= 15; /* bounds the subsys[] index for the verifier */
	memcg = BPF_CORE_READ(task, cgroups, subsys[memory_id], cgroup);
	r->memcg_id = memcg ? BPF_CORE_READ(memcg, kn, id) : 0;
	r->memcg_hierarchy = memcg ? BPF_CORE_READ(memcg, root, hierarchy_id) : -1;
	r->_pad = 0;
	r->_pad2 = 0;
	r->trigger_pid = (__u32)bpf_get_current_pid_tgid();
	bpf_get_current_comm(&r->trigger_comm, sizeof(r->trigger_comm));
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

/*
 * The tracepoint hands BTF programs a struct page *, and turning that into a
 * pfn needs vmemmap_base, which kernels without CONFIG_KALLSYMS_ALL (ours)
 * do not expose to BPF. The classic tracepoint computes the pfn in the
 * kernel, at the price of needing tracefs (userspace mounts it if missing).
 */
SEC("tracepoint/kmem/mm_page_pcpu_drain")
int handle__mm_page_pcpu_drain(struct trace_event_raw_mm_page_pcpu_drain *ctx)
{
	struct kw_pcpu_drain *r = begin(KW_PCPU_DRAIN);

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->pfn = BPF_CORE_READ(ctx, pfn);
	r->order = BPF_CORE_READ(ctx, order);
	r->migratetype = BPF_CORE_READ(ctx, migratetype);
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

/* ---- cgroup ------------------------------------------------------------ */

static __always_inline struct kw_cgroup *
cgroup_record(__u32 kind, struct cgroup *cgrp, const char *path)
{
	struct kw_cgroup *r = begin(kind);
	char last = 0;
	long n;

	if (!r)
		return NULL;
	header_from_current(&r->h);
	r->id = BPF_CORE_READ(cgrp, kn, id);
	r->hierarchy = BPF_CORE_READ(cgrp, root, hierarchy_id);
	r->level = BPF_CORE_READ(cgrp, level);
	r->val = 0;
	r->task_pid = 0;
	r->task_tgid = 0;
	r->threadgroup = 0;
	__builtin_memset(r->task_comm, 0, sizeof(r->task_comm));
	n = bpf_probe_read_kernel_str(r->path, sizeof(r->path), path);
	if (n < 0)
		r->path[0] = 0;
	else if (n == sizeof(r->path) &&
		 !bpf_probe_read_kernel(&last, 1, path + sizeof(r->path) - 1) && last)
		r->h.flags |= KW_F_PATH_TRUNCATED;
	return r;
}

/* The cgroup filter keys on v2 ids; a v1 cgroup event passes it unfiltered. */
static __always_inline __u64 v2_cgroup_of(struct kw_cgroup *r)
{
	return r->hierarchy == 0 ? r->id : 0;
}

/*
 * A cgroup created after the rules were loaded gets, in both generations,
 * the rules its parent passes down, before any task can run in it: an OOM
 * in a brand-new /prod/x is filtered like one in an old /prod/y. Only globs
 * this inheritance decides exactly (a cgroup, its children, its subtree)
 * are filtered by cgroup in the kernel (src/engine/kernel_plan.ts).
 */
static __always_inline void inherit_cgroup_rules(struct cgroup *cgrp)
{
	struct kw_cgroup_key parent = { .cgroup_id = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id) };
	struct kw_cgroup_key child = { .cgroup_id = BPF_CORE_READ(cgrp, kn, id) };
	struct kw_cgroup_rules *from, inherited;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return;
	for (__u32 g = 0; g < KW_GENERATIONS; g++) {
		parent.generation = g;
		child.generation = g;
		from = bpf_map_lookup_elem(&cgroup_rules, &parent);
		if (!from || !(from->children | from->descendants))
			continue;
		inherited.match = from->children | from->descendants;
		inherited.children = 0;
		inherited.descendants = from->descendants;
		bpf_map_update_elem(&cgroup_rules, &child, &inherited, BPF_NOEXIST);
	}
}

static __always_inline void forget_cgroup_rules(struct cgroup *cgrp)
{
	struct kw_cgroup_key key = { .cgroup_id = BPF_CORE_READ(cgrp, kn, id) };

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return;
	for (__u32 g = 0; g < KW_GENERATIONS; g++) {
		key.generation = g;
		bpf_map_delete_elem(&cgroup_rules, &key);
	}
}

static __always_inline int emit_cgroup(__u32 kind, struct cgroup *cgrp, const char *path, int val)
{
	struct kw_cgroup *r = cgroup_record(kind, cgrp, path);

	if (!r)
		return 0;
	r->val = val;
	finish(r, sizeof(*r), v2_cgroup_of(r));
	return 0;
}

static __always_inline int emit_cgroup_task(__u32 kind, struct cgroup *cgrp, const char *path,
					    struct task_struct *task, bool threadgroup)
{
	struct kw_cgroup *r = cgroup_record(kind, cgrp, path);

	if (!r)
		return 0;
	r->task_pid = BPF_CORE_READ(task, pid);
	r->task_tgid = BPF_CORE_READ(task, tgid);
	r->threadgroup = threadgroup;
	read_comm(r->task_comm, task);
	finish(r, sizeof(*r), v2_cgroup_of(r));
	return 0;
}

/* TP_PROTO(struct cgroup *cgrp, const char *path) */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(handle__cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
	inherit_cgroup_rules(cgrp);
	return emit_cgroup(KW_CGROUP_MKDIR, cgrp, path, 0);
}

SEC("tp_btf/cgroup_rmdir")
int BPF_PROG(handle__cgroup_rmdir, struct cgroup *cgrp, const char *path)
{
	return emit_cgroup(KW_CGROUP_RMDIR, cgrp, path, 0);
}

SEC("tp_btf/cgroup_release")
int BPF_PROG(handle__cgroup_release, struct cgroup *cgrp, const char *path)
{
	emit_cgroup(KW_CGROUP_RELEASE, cgrp, path, 0);
	forget_cgroup_rules(cgrp);
	return 0;
}

SEC("tp_btf/cgroup_rename")
int BPF_PROG(handle__cgroup_rename, struct cgroup *cgrp, const char *path)
{
	return emit_cgroup(KW_CGROUP_RENAME, cgrp, path, 0);
}

SEC("tp_btf/cgroup_freeze")
int BPF_PROG(handle__cgroup_freeze, struct cgroup *cgrp, const char *path)
{
	return emit_cgroup(KW_CGROUP_FREEZE, cgrp, path, 0);
}

SEC("tp_btf/cgroup_unfreeze")
int BPF_PROG(handle__cgroup_unfreeze, struct cgroup *cgrp, const char *path)
{
	return emit_cgroup(KW_CGROUP_UNFREEZE, cgrp, path, 0);
}

/* TP_PROTO(struct cgroup *cgrp, const char *path, int val) */
SEC("tp_btf/cgroup_notify_populated")
int BPF_PROG(handle__cgroup_notify_populated, struct cgroup *cgrp, const char *path, int val)
{
	return emit_cgroup(KW_CGROUP_POPULATED, cgrp, path, val);
}

SEC("tp_btf/cgroup_notify_frozen")
int BPF_PROG(handle__cgroup_notify_frozen, struct cgroup *cgrp, const char *path, int val)
{
	return emit_cgroup(KW_CGROUP_FROZEN, cgrp, path, val);
}

/* TP_PROTO(struct cgroup *dst_cgrp, const char *path, struct task_struct *task, bool threadgroup) */
SEC("tp_btf/cgroup_attach_task")
int BPF_PROG(handle__cgroup_attach_task, struct cgroup *dst_cgrp, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	return emit_cgroup_task(KW_CGROUP_ATTACH, dst_cgrp, path, task, threadgroup);
}

SEC("tp_btf/cgroup_transfer_tasks")
int BPF_PROG(handle__cgroup_transfer_tasks, struct cgroup *dst_cgrp, const char *path,
	     struct task_struct *task, bool threadgroup)
{
	return emit_cgroup_task(KW_CGROUP_TRANSFER, dst_cgrp, path, task, threadgroup);
}

/* ---- migration --------------------------------------------------------- */

/* TP_PROTO(enum migrate_mode mode, int reason) */
SEC("tp_btf/mm_migrate_pages_start")
int BPF_PROG(handle__mm_migrate_pages_start, enum migrate_mode mode, int reason)
{
	struct kw_migrate_start *r = begin(KW_MIGRATE_START);

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->mode = mode;
	r->reason = reason;
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

/*
 * TP_PROTO(unsigned long succeeded, unsigned long failed,
 *          unsigned long thp_succeeded, unsigned long thp_failed,
 *          unsigned long thp_split, unsigned long large_folio_split,
 *          enum migrate_mode mode, int reason)
 * large_folio_split is newer than 6.1 (8 arguments on 6.12, 7 on 5.10 and
 * 6.1): on those the record says 0 for it.
 */
SEC("tp_btf/mm_migrate_pages")
int handle__mm_migrate_pages(__u64 *ctx)
{
	struct kw_migrate_pages *r = begin(KW_MIGRATE_PAGES);

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->succeeded = TP_ARG(ctx, 0);
	r->failed = TP_ARG(ctx, 1);
	r->thp_succeeded = TP_ARG(ctx, 2);
	r->thp_failed = TP_ARG(ctx, 3);
	r->thp_split = TP_ARG(ctx, 4);
	if (mm_migrate_pages_args >= 8) {
		r->large_folio_split = TP_ARG(ctx, 5);
		r->mode = TP_ARG(ctx, 6);
		r->reason = TP_ARG(ctx, 7);
	} else {
		r->large_folio_split = 0;
		r->mode = TP_ARG(ctx, 5);
		r->reason = TP_ARG(ctx, 6);
	}
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

/* TP_PROTO(unsigned long addr, unsigned long pte, int order) */
SEC("tp_btf/remove_migration_pte")
int BPF_PROG(handle__remove_migration_pte, unsigned long addr, unsigned long pte, int order)
{
	struct kw_migrate_pte *r = begin(KW_MIGRATE_PTE);

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->addr = addr;
	r->pte = pte;
	r->order = order;
	r->_pad = 0;
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

/* ---- process ----------------------------------------------------------- */

/* TP_PROTO(struct task_struct *parent, struct task_struct *child) */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle__sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct kw_fork *r = begin(KW_PROC_FORK);

	if (!r)
		return 0;
	header_from_task(&r->h, parent);
	r->child_pid = BPF_CORE_READ(child, pid);
	r->child_tgid = BPF_CORE_READ(child, tgid);
	read_comm(r->child_comm, child);
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

/* TP_PROTO(struct task_struct *task, u64 clone_flags) */
SEC("tp_btf/task_newtask")
int BPF_PROG(handle__task_newtask, struct task_struct *task, u64 clone_flags)
{
	struct kw_newtask *r = begin(KW_PROC_NEWTASK);

	if (!r)
		return 0;
	header_from_task(&r->h, task);
	r->clone_flags = clone_flags;
	r->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	r->_pad = 0;
	r->_pad2 = 0;
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

/*
 * TP_PROTO(struct task_struct *p, bool group_dead); before group_dead was
 * passed (up to 6.12 at least) only TP_PROTO(struct task_struct *p).
 */
SEC("tp_btf/sched_process_exit")
int handle__sched_process_exit(__u64 *ctx)
{
	struct task_struct *p = (struct task_struct *)TP_ARG(ctx, 0);
	struct kw_exit *r = begin(KW_PROC_EXIT);
	bool group_dead;

	if (!r)
		return 0;
	if (sched_process_exit_args >= 2)
		group_dead = (bool)TP_ARG(ctx, 1);
	else
		/*
		 * do_exit() decrements signal->live before the tracepoint, so the
		 * last thread out sees 0 (as libbpf-tools' exitsnoop reads it). Two
		 * threads exiting at the same instant may both see 0.
		 */
		group_dead = BPF_CORE_READ(p, signal, live.counter) == 0;
	header_from_task(&r->h, p);
	/* do_exit() stores the code before it fires this tracepoint */
	r->exit_code = BPF_CORE_READ(p, exit_code);
	r->prio = BPF_CORE_READ(p, prio);
	r->group_dead = group_dead;
	r->signal = r->exit_code & 0x7f;
	r->exit_status = (r->exit_code >> 8) & 0xff;
	r->_pad = 0;
	/* the process's age, from its leader's start: CLOCK_MONOTONIC ns, like ts_ns */
	r->age_ns = r->h.ts_ns - BPF_CORE_READ(p, group_leader, start_time);
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

static __always_inline int emit_task(__u32 kind, struct task_struct *task)
{
	struct kw_task *r = begin(kind);

	if (!r)
		return 0;
	header_from_task(&r->h, task);
	r->prio = BPF_CORE_READ(task, prio);
	r->_pad = 0;
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

/* TP_PROTO(struct task_struct *p) */
SEC("tp_btf/sched_process_free")
int BPF_PROG(handle__sched_process_free, struct task_struct *p)
{
	return emit_task(KW_PROC_FREE, p);
}

/* TP_PROTO(struct task_struct *tsk): fired by khungtaskd, tsk is the hung task */
SEC("tp_btf/sched_process_hang")
int BPF_PROG(handle__sched_process_hang, struct task_struct *tsk)
{
	return emit_task(KW_PROC_HANG, tsk);
}

/* TP_PROTO(struct mm_struct *mm) */
SEC("tp_btf/exit_mmap")
int BPF_PROG(handle__exit_mmap, struct mm_struct *mm)
{
	struct kw_exit_mmap *r = begin(KW_PROC_EXIT_MMAP);

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->total_vm_kb = BPF_CORE_READ(mm, total_vm) * 4;
	r->rss_kb = mm_counter_kb(mm, MM_ANONPAGES) + mm_counter_kb(mm, MM_FILEPAGES) +
		    mm_counter_kb(mm, MM_SHMEMPAGES);
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}
