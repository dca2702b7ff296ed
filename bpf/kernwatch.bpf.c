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
#include "maps.bpf.h"
#include "filter.bpf.h"
#include "core_fixes.bpf.h"
#include "cgroup_globs.bpf.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

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

/*
 * The same event where the classic tracepoint cannot be attached: its
 * perf_event_open() needs CAP_SYS_ADMIN where kernel.perf_event_paranoid is
 * above 2 (Debian's and Ubuntu's default, a distribution patch), and the
 * service runs with CAP_BPF and CAP_PERFMON only. A BTF tracepoint attaches
 * without perf_event_open(); it has the page but not its pfn (see above), so
 * the record says KW_PFN_UNKNOWN.
 */
SEC("tp_btf/mm_page_pcpu_drain")
int BPF_PROG(handle__mm_page_pcpu_drain_btf, struct page *page, unsigned int order, int migratetype)
{
	struct kw_pcpu_drain *r = begin(KW_PCPU_DRAIN);

	if (!r)
		return 0;
	header_from_current(&r->h);
	r->pfn = KW_PFN_UNKNOWN;
	r->order = order;
	r->migratetype = migratetype;
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}

/* ---- cgroup ------------------------------------------------------------ */

static __always_inline struct kw_cgroup *cgroup_record(__u32 kind, struct cgroup *cgrp, const char *path)
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
	else if (n == sizeof(r->path) && !bpf_probe_read_kernel(&last, 1, path + sizeof(r->path) - 1) && last)
		r->h.flags |= KW_F_PATH_TRUNCATED;
	return r;
}

/* The cgroup filter keys on v2 ids; a v1 cgroup event passes it unfiltered. */
static __always_inline __u64 v2_cgroup_of(struct kw_cgroup *r)
{
	return r->hierarchy == 0 ? r->id : 0;
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

static __always_inline int emit_cgroup_task(__u32 kind, struct cgroup *cgrp, const char *path, struct task_struct *task,
                                            bool threadgroup)
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
	enter_cgroup_globs(cgrp);
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
	forget_cgroup_globs(cgrp);
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
int BPF_PROG(handle__cgroup_attach_task, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
             bool threadgroup)
{
	return emit_cgroup_task(KW_CGROUP_ATTACH, dst_cgrp, path, task, threadgroup);
}

SEC("tp_btf/cgroup_transfer_tasks")
int BPF_PROG(handle__cgroup_transfer_tasks, struct cgroup *dst_cgrp, const char *path, struct task_struct *task,
             bool threadgroup)
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
	r->rss_kb =
	        mm_counter_kb(mm, MM_ANONPAGES) + mm_counter_kb(mm, MM_FILEPAGES) + mm_counter_kb(mm, MM_SHMEMPAGES);
	finish(r, sizeof(*r), r->h.cgroup_id);
	return 0;
}
