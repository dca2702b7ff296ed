/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The path every record takes before it leaves the kernel: begin() counts
 * the firing and hands out a per-CPU buffer, finish() decides which rules may
 * want the record (kind, cgroup, comm, uid, thresholds), counts it for rules
 * aggregated in the kernel, and writes it to the ring buffer only when a rule
 * evaluated in userspace may match.
 */
#ifndef KERNWATCH_FILTER_BPF_H
#define KERNWATCH_FILTER_BPF_H

#include "maps.bpf.h"

/*
 * Records are submitted without waking the reader until this many bytes are
 * waiting; the reader polls with a short timeout for the rest. One wakeup per
 * record would cost more than the record itself during a fork storm.
 */
const volatile __u64 wakeup_bytes = 64 * 1024;

/*
 * Bit `kind` set: its records go to the `urgent` ring and wake the reader at
 * once. Set by userspace from the catalog before load.
 */
const volatile __u32 urgent_kinds = 0;

static __always_inline struct kw_stats *stats_of(__u32 kind)
{
	return bpf_map_lookup_elem(&stats, &kind);
}

static __always_inline struct kw_control *control_of(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&control, &zero);
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
		return cmp == KW_CMP_EQ ? x == y :
		       cmp == KW_CMP_NE ? x != y :
		       cmp == KW_CMP_LT ? x < y :
		       cmp == KW_CMP_LE ? x <= y :
		       cmp == KW_CMP_GT ? x > y :
		                          x >= y;
	}
	return cmp == KW_CMP_EQ ? a == b :
	       cmp == KW_CMP_NE ? a != b :
	       cmp == KW_CMP_LT ? a < b :
	       cmp == KW_CMP_LE ? a <= b :
	       cmp == KW_CMP_GT ? a > b :
	                          a >= b;
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
/* the same, unrolled: 5.10's verifier refused the glob loop's back-edge ("back-edge from insn") */
#define LOOP_UNROLLED(n, body, ctx) _Pragma("unroll") for (__u32 __i = 0; __i < (n); __i++) body(__i, ctx)
#else
#define LOOP_BODY static long
#define LOOP(n, body, ctx) bpf_loop((n), (body), (ctx), 0)
#define LOOP_UNROLLED(n, body, ctx) LOOP(n, body, ctx)
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

struct comm_ctx {
	__u64 comm[KW_COMM_LEN / 8]; /* zero-padded */
	__u64 tail[KW_COMM_LEN / 8]; /* the same bytes moved to end at byte 16, zeros before */
	__u64 accept;
	__u64 reject;
	__u32 generation;
};

/*
 * Loop body: one comm pattern. Slots are filled from 0, so the first empty
 * one ends the loop (bpf_loop stops there; the compat object's bounded loop
 * goes on, and every later slot is empty too).
 */
LOOP_BODY match_comm_pattern(__u32 slot, struct comm_ctx *ctx)
{
	__u32 index = ctx->generation * KW_MAX_COMM_PATTERNS + slot;
	struct kw_comm_pattern *p = bpf_map_lookup_elem(&comm_patterns, &index);
	const __u64 *text, *mask, *comm;

	if (!p || p->kind == KW_COMM_NONE)
		return 1;
	text = (const __u64 *)p->text;
	mask = (const __u64 *)p->mask;
	comm = p->kind == KW_COMM_SUFFIX ? ctx->tail : ctx->comm;
	if (!((comm[0] ^ text[0]) & mask[0]) && !((comm[1] ^ text[1]) & mask[1])) {
		ctx->accept |= p->accept;
		ctx->reject |= p->reject;
	}
	return 0;
}

/* the suffix shift and the masks userspace writes take byte 0 to be the lowest of a word */
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "comm patterns assume a little-endian BPF target");

/* Bytes of a zero-padded comm word that are not zero: the high bit of each such byte, counted. */
static __always_inline __u32 nonzero_bytes(__u64 word)
{
	const __u64 high = 0x8080808080808080ULL, low = ~high;

	return __builtin_popcountll((((word & low) + low) | word) & high);
}

/*
 * The rules whose comm patterns `comm` matches, or-ed into `accept` and
 * `reject`. A comm has no zero byte inside, so its length is the count of
 * bytes that are not zero, and shifting the 128-bit little-endian value left
 * by what is left of 16 bytes makes it end at byte 16, for suffixes.
 */
static __always_inline void match_comm_patterns(const char *comm, __u32 generation, __u64 *accept, __u64 *reject)
{
	__u32 first = generation * KW_MAX_COMM_PATTERNS;
	struct kw_comm_pattern *p = bpf_map_lookup_elem(&comm_patterns, &first);
	struct comm_ctx ctx = { .generation = generation };
	__u32 shift;

	if (!p || p->kind == KW_COMM_NONE)
		return;
	__builtin_memcpy(ctx.comm, comm, KW_COMM_LEN);
	shift = (KW_COMM_LEN - nonzero_bytes(ctx.comm[0]) - nonzero_bytes(ctx.comm[1])) * 8;
	if (shift >= 128) {
		ctx.tail[0] = ctx.tail[1] = 0;
	} else if (shift >= 64) {
		ctx.tail[1] = ctx.comm[0] << (shift - 64);
		ctx.tail[0] = 0;
	} else if (shift > 0) {
		ctx.tail[1] = (ctx.comm[1] << shift) | (ctx.comm[0] >> (64 - shift));
		ctx.tail[0] = ctx.comm[0] << shift;
	} else {
		ctx.tail[0] = ctx.comm[0];
		ctx.tail[1] = ctx.comm[1];
	}
	LOOP(KW_MAX_COMM_PATTERNS, match_comm_pattern, &ctx);
	*accept |= ctx.accept;
	*reject |= ctx.reject;
}

struct count_ctx {
	__u64 rules;
	__u64 cgroup_id;
	__u32 tgid;
	__u32 uid;
	__u32 generation;
	__u32 kind;
	__u32 epoch;
};

/* Loop body: counts the event for rule `rule` if it is in ctx->rules, and sums or maxes its field. */
LOOP_BODY count_rule(__u32 rule, struct count_ctx *ctx)
{
	__u32 index = ctx->generation * KW_MAX_RULES + rule;
	struct kw_count_key key = { .rule = rule, .generation = ctx->generation };
	bool odd = ctx->epoch & 1;
	struct kw_count one = { .events = 1 }, *c;
	__u64 *max;
	__u32 *tag;
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
	if (agg->size && !read_field(ctx->kind, agg->offset, agg->size, agg->is_signed, &value))
		value = 0;
	if (agg->fn == KW_AGG_MAX) {
		*(odd ? &one.max_odd : &one.max_even) = value;
		*(odd ? &one.tag_odd : &one.tag_even) = ctx->epoch;
	} else {
		one.sum = value;
	}
	c = bpf_map_lookup_elem(&counts, &key);
	if (!c && bpf_map_update_elem(&counts, &key, &one, BPF_NOEXIST) == 0)
		return 0;
	/* the key existed, or another CPU created it first: count on ours */
	if (!c)
		c = bpf_map_lookup_elem(&counts, &key);
	if (!c)
		return 0;
	c->events++;
	if (agg->fn != KW_AGG_MAX) {
		c->sum += value;
		return 0;
	}
	max = odd ? &c->max_odd : &c->max_even;
	tag = odd ? &c->tag_odd : &c->tag_even;
	if (*tag != ctx->epoch || compare(KW_CMP_GT, agg->is_signed, value, *max)) {
		*max = value;
		*tag = ctx->epoch;
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
	struct kw_control *ctl = control_of();
	__u32 generation = ctl ? ctl->generation & 1 : 0;
	__u32 index = generation * KW_KIND_MAX + kind;
	struct kw_kind_filter *kf = bpf_map_lookup_elem(&kind_filters, &index);
	__u64 mask, flags = BPF_RB_NO_WAKEUP;
	long err;

	if (!kf || !s || !ctl)
		return 0;
	mask = kf->rules;
	if ((mask & (kf->by_cgroup | kf->except_cgroup)) && cgroup_id) {
		struct kw_cgroup_key key = { .cgroup_id = cgroup_id, .generation = generation };
		struct kw_cgroup_rules *cr = bpf_map_lookup_elem(&cgroup_rules, &key);

		mask &= ~kf->by_cgroup | (cr ? cr->match : 0);
		mask &= ~(kf->except_cgroup & (cr ? cr->reject : 0));
	}
	if (mask & (kf->by_comm | kf->except_comm)) {
		struct kw_comm_key key = { .generation = generation };
		struct kw_comm_rules *cr;
		__u64 accept = 0, reject = 0;

		__builtin_memcpy(key.comm, h->comm, KW_COMM_LEN);
		cr = bpf_map_lookup_elem(&comm_rules, &key);
		if (cr) {
			accept = cr->accept;
			reject = cr->reject;
		}
		match_comm_patterns(h->comm, generation, &accept, &reject);
		mask &= ~kf->by_comm | accept;
		mask &= ~(kf->except_comm & reject);
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
		__u32 zero = 0, *epoch = bpf_map_lookup_elem(&count_epoch, &zero);
		struct count_ctx ctx = {
			.rules = mask & kf->counted,
			.cgroup_id = cgroup_id,
			.tgid = h->tgid,
			.uid = h->uid,
			.generation = generation,
			.kind = kind,
			/* tags start at 1: a CPU's zeroed copy of a new key (tag 0) is never taken for a max */
			.epoch = (epoch ? *epoch : 0) + 1,
		};

		LOOP(KW_MAX_RULES, count_rule, &ctx);
	}
	mask &= ~kf->counted;
	if (!mask) {
		s->filtered++;
		return 0;
	}
	if (ctl->shed_kinds & (1U << (kind & 31))) {
		s->shed++;
		return 0;
	}
	h->rules = mask;
	if (generation)
		h->flags |= KW_F_GENERATION;
	h->size = size;
	if (urgent_kinds & (1U << (kind & 31))) {
		/* rare: wake the reader for each one */
		err = bpf_ringbuf_output(&urgent, rec, size, 0);
	} else {
		if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= wakeup_bytes)
			flags = BPF_RB_FORCE_WAKEUP;
		err = bpf_ringbuf_output(&events, rec, size, flags);
	}
	if (err)
		s->lost++;
	else
		s->sent++;
	return 0;
}

#endif /* KERNWATCH_FILTER_BPF_H */
