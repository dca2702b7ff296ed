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

static __always_inline struct kw_stats *stats_of(__u32 kind)
{
	return bpf_map_lookup_elem(&stats, &kind);
}

/* Reserves a record of `size` bytes, counting the firing and any loss. */
static __always_inline void *reserve(__u32 kind, __u32 size)
{
	struct kw_stats *s = stats_of(kind);
	void *rec;

	if (s)
		s->seen++;
	rec = bpf_ringbuf_reserve(&events, size, 0);
	if (!rec) {
		if (s)
			s->lost++;
		return NULL;
	}
	((struct kw_header *)rec)->kind = kind;
	((struct kw_header *)rec)->size = size;
	((struct kw_header *)rec)->flags = 0;
	((struct kw_header *)rec)->_pad = 0;
	((struct kw_header *)rec)->cpu = bpf_get_smp_processor_id();
	((struct kw_header *)rec)->ts_ns = bpf_ktime_get_ns();
	return rec;
}

static __always_inline void submit(void *rec)
{
	struct kw_stats *s = stats_of(((struct kw_header *)rec)->kind);
	__u64 flags = BPF_RB_NO_WAKEUP;

	if (s)
		s->sent++;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
		flags = BPF_RB_FORCE_WAKEUP;
	bpf_ringbuf_submit(rec, flags);
}

static __always_inline __u64 task_cgroup_id(struct task_struct *task)
{
	return BPF_CORE_READ(task, cgroups, dfl_cgrp, kn, id);
}

/* Fills the header's task fields from `task`, the event's subject. */
static __always_inline void header_from_task(struct kw_header *h, struct task_struct *task)
{
	h->pid = BPF_CORE_READ(task, pid);
	h->tgid = BPF_CORE_READ(task, tgid);
	h->uid = BPF_CORE_READ(task, cred, uid.val);
	h->cgroup_id = task_cgroup_id(task);
	BPF_CORE_READ_STR_INTO(&h->comm, task, comm);
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

static __always_inline __u64 mm_counter_kb(struct mm_struct *mm, int member)
{
	/* get_mm_counter(): percpu_counter_read_positive() since 6.2 */
	__s64 pages = BPF_CORE_READ(mm, rss_stat[member].count);

	return pages > 0 ? (__u64)pages * 4 : 0;
}

/* TP_PROTO(struct task_struct *task, uid_t uid) */
SEC("tp_btf/mark_victim")
int BPF_PROG(handle__mark_victim, struct task_struct *task, uid_t uid)
{
	struct kw_oom_victim *r = reserve(KW_OOM_VICTIM, sizeof(*r));
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
	submit(r);
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
	struct kw_pcpu_drain *r = reserve(KW_PCPU_DRAIN, sizeof(*r));

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->pfn = BPF_CORE_READ(ctx, pfn);
	r->order = BPF_CORE_READ(ctx, order);
	r->migratetype = BPF_CORE_READ(ctx, migratetype);
	submit(r);
	return 0;
}

/* ---- cgroup ------------------------------------------------------------ */

static __always_inline struct kw_cgroup *
cgroup_record(__u32 kind, struct cgroup *cgrp, const char *path)
{
	struct kw_cgroup *r = reserve(kind, sizeof(*r));
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

static __always_inline int emit_cgroup(__u32 kind, struct cgroup *cgrp, const char *path, int val)
{
	struct kw_cgroup *r = cgroup_record(kind, cgrp, path);

	if (!r)
		return 0;
	r->val = val;
	submit(r);
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
	BPF_CORE_READ_STR_INTO(&r->task_comm, task, comm);
	submit(r);
	return 0;
}

/* TP_PROTO(struct cgroup *cgrp, const char *path) */
SEC("tp_btf/cgroup_mkdir")
int BPF_PROG(handle__cgroup_mkdir, struct cgroup *cgrp, const char *path)
{
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
	return emit_cgroup(KW_CGROUP_RELEASE, cgrp, path, 0);
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
	struct kw_migrate_start *r = reserve(KW_MIGRATE_START, sizeof(*r));

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->mode = mode;
	r->reason = reason;
	submit(r);
	return 0;
}

/*
 * TP_PROTO(unsigned long succeeded, unsigned long failed,
 *          unsigned long thp_succeeded, unsigned long thp_failed,
 *          unsigned long thp_split, unsigned long large_folio_split,
 *          enum migrate_mode mode, int reason)
 */
SEC("tp_btf/mm_migrate_pages")
int BPF_PROG(handle__mm_migrate_pages, unsigned long succeeded, unsigned long failed,
	     unsigned long thp_succeeded, unsigned long thp_failed, unsigned long thp_split,
	     unsigned long large_folio_split, enum migrate_mode mode, int reason)
{
	struct kw_migrate_pages *r = reserve(KW_MIGRATE_PAGES, sizeof(*r));

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->succeeded = succeeded;
	r->failed = failed;
	r->thp_succeeded = thp_succeeded;
	r->thp_failed = thp_failed;
	r->thp_split = thp_split;
	r->large_folio_split = large_folio_split;
	r->mode = mode;
	r->reason = reason;
	submit(r);
	return 0;
}

/* TP_PROTO(unsigned long addr, unsigned long pte, int order) */
SEC("tp_btf/remove_migration_pte")
int BPF_PROG(handle__remove_migration_pte, unsigned long addr, unsigned long pte, int order)
{
	struct kw_migrate_pte *r = reserve(KW_MIGRATE_PTE, sizeof(*r));

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->addr = addr;
	r->pte = pte;
	r->order = order;
	r->_pad = 0;
	submit(r);
	return 0;
}

/* ---- process ----------------------------------------------------------- */

/* TP_PROTO(struct task_struct *parent, struct task_struct *child) */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle__sched_process_fork, struct task_struct *parent, struct task_struct *child)
{
	struct kw_fork *r = reserve(KW_PROC_FORK, sizeof(*r));

	if (!r)
		return 0;
	header_from_task(&r->h, parent);
	r->child_pid = BPF_CORE_READ(child, pid);
	r->child_tgid = BPF_CORE_READ(child, tgid);
	BPF_CORE_READ_STR_INTO(&r->child_comm, child, comm);
	submit(r);
	return 0;
}

/* TP_PROTO(struct task_struct *task, u64 clone_flags) */
SEC("tp_btf/task_newtask")
int BPF_PROG(handle__task_newtask, struct task_struct *task, u64 clone_flags)
{
	struct kw_newtask *r = reserve(KW_PROC_NEWTASK, sizeof(*r));

	if (!r)
		return 0;
	header_from_task(&r->h, task);
	r->clone_flags = clone_flags;
	r->oom_score_adj = BPF_CORE_READ(task, signal, oom_score_adj);
	r->_pad = 0;
	r->_pad2 = 0;
	submit(r);
	return 0;
}

/* TP_PROTO(struct task_struct *p, bool group_dead) */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle__sched_process_exit, struct task_struct *p, bool group_dead)
{
	struct kw_exit *r = reserve(KW_PROC_EXIT, sizeof(*r));

	if (!r)
		return 0;
	header_from_task(&r->h, p);
	/* do_exit() stores the code before it fires this tracepoint */
	r->exit_code = BPF_CORE_READ(p, exit_code);
	r->prio = BPF_CORE_READ(p, prio);
	r->group_dead = group_dead;
	r->_pad = 0;
	submit(r);
	return 0;
}

static __always_inline int emit_task(__u32 kind, struct task_struct *task)
{
	struct kw_task *r = reserve(kind, sizeof(*r));

	if (!r)
		return 0;
	header_from_task(&r->h, task);
	r->prio = BPF_CORE_READ(task, prio);
	r->_pad = 0;
	submit(r);
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
	struct kw_exit_mmap *r = reserve(KW_PROC_EXIT_MMAP, sizeof(*r));

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->total_vm_kb = BPF_CORE_READ(mm, total_vm) * 4;
	r->rss_kb = mm_counter_kb(mm, MM_ANONPAGES) + mm_counter_kb(mm, MM_FILEPAGES) +
		    mm_counter_kb(mm, MM_SHMEMPAGES);
	submit(r);
	return 0;
}
