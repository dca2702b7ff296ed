/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What differs between the kernels kernwatch runs on, decided at load time
 * from the running kernel's BTF (as libbpf-tools' core_fixes.bpf.h does):
 * tracepoints whose prototype grew an argument, and layouts that changed.
 * docs/kernels.md lists each difference and the kernels it concerns.
 */
#ifndef KERNWATCH_CORE_FIXES_BPF_H
#define KERNWATCH_CORE_FIXES_BPF_H

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
#define TP_ARG(ctx, i)                                                                       \
	({                                                                                   \
		__u64 __arg;                                                                 \
		asm volatile("%0 = *(u64 *)(%1 + %2)" : "=r"(__arg) : "r"(ctx), "i"((i)*8)); \
		__arg;                                                                       \
	})

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

#endif /* KERNWATCH_CORE_FIXES_BPF_H */
