/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Cgroup globs followed by name (see `struct kw_glob_state` in kernwatch.h).
 * On cgroup_mkdir, the new cgroup's glob states are its parent's stepped over
 * its name, in both rule-set generations, before any task can enter it: a
 * rule on /P and its subtree pages for an OOM in a /P created again a
 * millisecond ago, and one on kubepods' pod cgroups follows pods as they come
 * (the globs of docs/rules.md, one segment per level). Userspace writes the
 * states of the cgroups that exist when a rule set is installed
 * (src/kernel/cgroup_globs.ts steps them the same way).
 */
#ifndef KERNWATCH_CGROUP_GLOBS_BPF_H
#define KERNWATCH_CGROUP_GLOBS_BPF_H

#include "filter.bpf.h"

struct glob_ctx {
	__u64 name[KW_SEGMENT_LEN / 8]; /* the new cgroup's name, zero-padded */
	__u64 tail[KW_SEGMENT_LEN /
	           8]; /* its last KW_SEGMENT_LEN bytes or fewer, ending at the last byte, zeros before */
	__u64 states;  /* the parent's states */
	__u64 next;    /* the new cgroup's states */
	__u64 match;   /* the rules the new cgroup matches */
	__u64 reject;  /* the rules the new cgroup is an exception of */
	__u32 generation;
	/*
	 * The name filled the buffer (KW_SEGMENT_LEN - 1 bytes or more): no
	 * literal can equal it, prefixes compare what was read. Unreadable:
	 * every segment is taken to match, userspace decides.
	 */
	bool long_name;
	bool unreadable;
};

/*
 * Whether the new name matches one state's segment: its bytes under the
 * state's mask equal the state's text. Userspace lays out text and mask
 * (src/kernel/cgroup_globs.ts, stateBytes): the whole zero-padded name for
 * a literal, its first bytes for a prefix, and for a suffix the last bytes
 * of the name moved to end at byte KW_SEGMENT_LEN (`tail`). No arithmetic
 * on lengths here: the compat object unrolls this for every state, within
 * the verifier's limits only when each word is one compare.
 */
static __always_inline bool segment_matches(const struct kw_glob_state *st, const struct glob_ctx *ctx)
{
	const __u64 *text = (const __u64 *)st->text, *mask = (const __u64 *)st->mask;
	const __u64 *name = st->kind == KW_SEG_SUFFIX ? ctx->tail : ctx->name;

	if (st->kind == KW_SEG_ANY || st->kind == KW_SEG_ANY_DEPTH || (st->kind != KW_SEG_NONE && ctx->unreadable))
		return true;
	if (st->kind == KW_SEG_NONE || (st->kind == KW_SEG_LITERAL && ctx->long_name))
		return false;
		/* unrolled: 5.10's verifier refuses this loop's back-edge ("back-edge from insn") */
#pragma unroll
	for (int w = 0; w < KW_SEGMENT_LEN / 8; w++) {
		if ((name[w] ^ text[w]) & mask[w])
			return false;
	}
	return true;
}

/* Loop body: one of the parent's states, stepped over the new name. */
LOOP_BODY glob_step(__u32 state, struct glob_ctx *ctx)
{
	__u32 index = ctx->generation * KW_MAX_GLOB_STATES + state;
	struct kw_glob_state *st;

	if (!(ctx->states & (1ULL << (state & 63))))
		return 0;
	st = bpf_map_lookup_elem(&glob_states, &index);
	if (st && segment_matches(st, ctx)) {
		ctx->next |= st->next;
		ctx->match |= st->accept;
		ctx->reject |= st->reject;
	}
	return 0;
}

/*
 * Fills ctx->tail from the whole name: its length first (a name is at most
 * NAME_MAX), then its last bytes copied to end at byte KW_SEGMENT_LEN of a
 * zeroed buffer. False when the name cannot be read.
 */
static __always_inline bool read_tail(struct glob_ctx *ctx, const char *name)
{
	__u32 zero = 0, len, keep;
	struct name_buf *buf = bpf_map_lookup_elem(&name_scratch, &zero);
	long n;

	if (!buf)
		return false;
	n = bpf_probe_read_kernel_str(buf->full, sizeof(buf->full), name);
	if (n <= 1)
		return false;
	len = (n - 1) & (sizeof(buf->full) - 1);
	keep = len < KW_SEGMENT_LEN ? len : KW_SEGMENT_LEN;
	__builtin_memset(buf->tail, 0, sizeof(buf->tail));
	/* the bounds the verifier needs: keep <= KW_SEGMENT_LEN, the offset < KW_SEGMENT_LEN */
	if (keep < 1 || keep > KW_SEGMENT_LEN)
		return false;
	if (bpf_probe_read_kernel(buf->tail + ((KW_SEGMENT_LEN - keep) & (KW_SEGMENT_LEN - 1)), keep,
	                          name + (len - keep)))
		return false;
	__builtin_memcpy(ctx->tail, buf->tail, sizeof(ctx->tail));
	return true;
}

static __always_inline void enter_cgroup_globs(struct cgroup *cgrp)
{
	struct kw_cgroup_key parent = { .cgroup_id = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id) };
	struct kw_cgroup_key child = { .cgroup_id = BPF_CORE_READ(cgrp, kn, id) };
	struct kw_cgroup_rules *from, entry;
	struct glob_ctx ctx = {};
	const char *name;
	long n;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return;
	name = BPF_CORE_READ(cgrp, kn, name);
	n = bpf_probe_read_kernel_str(ctx.name, sizeof(ctx.name), name);
	ctx.unreadable = n <= 0 || !read_tail(&ctx, name);
	ctx.long_name = n >= (long)sizeof(ctx.name);
	for (__u32 g = 0; g < KW_GENERATIONS; g++) {
		parent.generation = g;
		child.generation = g;
		from = bpf_map_lookup_elem(&cgroup_rules, &parent);
		if (!from || !from->states)
			continue;
		ctx.generation = g;
		ctx.states = from->states;
		ctx.next = 0;
		ctx.match = 0;
		ctx.reject = 0;
		LOOP_UNROLLED(KW_MAX_GLOB_STATES, glob_step, &ctx);
		if (!(ctx.next | ctx.match | ctx.reject))
			continue;
		entry.match = ctx.match;
		entry.reject = ctx.reject;
		entry.states = ctx.next;
		/* userspace may have written it first, from the same states */
		bpf_map_update_elem(&cgroup_rules, &child, &entry, BPF_NOEXIST);
	}
}

static __always_inline void forget_cgroup_globs(struct cgroup *cgrp)
{
	struct kw_cgroup_key key = { .cgroup_id = BPF_CORE_READ(cgrp, kn, id) };

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return;
	for (__u32 g = 0; g < KW_GENERATIONS; g++) {
		key.generation = g;
		bpf_map_delete_elem(&cgroup_rules, &key);
	}
}

#endif /* KERNWATCH_CGROUP_GLOBS_BPF_H */
