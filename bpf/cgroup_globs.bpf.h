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
	__u64 states;                   /* the parent's states */
	__u64 next;                     /* the new cgroup's states */
	__u64 match;                    /* the rules the new cgroup matches */
	__u64 reject;                   /* the rules the new cgroup is an exception of */
	__u32 generation;
	/*
	 * The name filled the buffer (KW_SEGMENT_LEN - 1 bytes or more): no
	 * literal can equal it, prefixes compare what was read. Unreadable:
	 * every segment is taken to match, userspace decides.
	 */
	bool long_name;
	bool unreadable;
};

static __always_inline bool segment_matches(const struct kw_glob_state *st, const struct glob_ctx *ctx)
{
	const __u64 *text = (const __u64 *)st->text;
	int len;

	if (st->kind == KW_SEG_ANY || st->kind == KW_SEG_ANY_DEPTH || (st->kind != KW_SEG_NONE && ctx->unreadable))
		return true;
	if (st->kind == KW_SEG_LITERAL) {
		if (ctx->long_name)
			return false;
		len = KW_SEGMENT_LEN; /* both zero-padded: equal words end to end */
	} else if (st->kind == KW_SEG_PREFIX) {
		len = st->len;
	} else {
		return false;
	}
	/* unrolled: 5.10's verifier refuses this loop's back-edge ("back-edge from insn") */
#pragma unroll
	for (int w = 0; w < KW_SEGMENT_LEN / 8; w++) {
		int rest = len - w * 8;
		__u64 mask;

		if (rest <= 0)
			break;
		mask = rest >= 8 ? ~0ULL : (1ULL << (rest * 8)) - 1;
		if ((ctx->name[w] ^ text[w]) & mask)
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

static __always_inline void enter_cgroup_globs(struct cgroup *cgrp)
{
	struct kw_cgroup_key parent = { .cgroup_id = BPF_CORE_READ(cgrp, self.parent, cgroup, kn, id) };
	struct kw_cgroup_key child = { .cgroup_id = BPF_CORE_READ(cgrp, kn, id) };
	struct kw_cgroup_rules *from, entry;
	struct glob_ctx ctx = {};
	long n;

	if (BPF_CORE_READ(cgrp, root, hierarchy_id) != 0)
		return;
	n = bpf_probe_read_kernel_str(ctx.name, sizeof(ctx.name), BPF_CORE_READ(cgrp, kn, name));
	ctx.unreadable = n <= 0;
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
