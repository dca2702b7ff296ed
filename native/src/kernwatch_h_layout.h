/* Generated from bpf/kernwatch.h by scripts/gen-layouts.mjs (`make layouts`): do not edit. */
/*
 * Where clang -target bpf placed every member of every struct of the header;
 * the host compiler must place them the same, or the addon does not build.
 */
#ifndef KERNWATCH_H_LAYOUT_H
#define KERNWATCH_H_LAYOUT_H

#include <cstddef>

#include "kernwatch.h"

/* every struct of the header, for X-macros */
// clang-format off
#define KW_STRUCTS(X) \
  X(kw_header) \
  X(kw_oom_victim) \
  X(kw_pcpu_drain) \
  X(kw_cgroup) \
  X(kw_migrate_start) \
  X(kw_migrate_pages) \
  X(kw_migrate_pte) \
  X(kw_fork) \
  X(kw_newtask) \
  X(kw_exit) \
  X(kw_task) \
  X(kw_exit_mmap) \
  X(kw_stats) \
  X(kw_control) \
  X(kw_kind_filter) \
  X(kw_cgroup_key) \
  X(kw_cgroup_rules) \
  X(kw_glob_state) \
  X(kw_comm_key) \
  X(kw_comm_rules) \
  X(kw_comm_pattern) \
  X(kw_uid_key) \
  X(kw_threshold) \
  X(kw_rule_agg) \
  X(kw_count_key) \
  X(kw_count)
// clang-format on

static_assert(sizeof(struct kw_header) == 64, "sizeof(struct kw_header)");
static_assert(offsetof(struct kw_header, kind) == 0, "kw_header.kind");
static_assert(offsetof(struct kw_header, size) == 2, "kw_header.size");
static_assert(offsetof(struct kw_header, cpu) == 4, "kw_header.cpu");
static_assert(offsetof(struct kw_header, flags) == 6, "kw_header.flags");
static_assert(offsetof(struct kw_header, ts_ns) == 8, "kw_header.ts_ns");
static_assert(offsetof(struct kw_header, cgroup_id) == 16, "kw_header.cgroup_id");
static_assert(offsetof(struct kw_header, pid) == 24, "kw_header.pid");
static_assert(offsetof(struct kw_header, tgid) == 28, "kw_header.tgid");
static_assert(offsetof(struct kw_header, uid) == 32, "kw_header.uid");
static_assert(offsetof(struct kw_header, _pad) == 36, "kw_header._pad");
static_assert(offsetof(struct kw_header, comm) == 40, "kw_header.comm");
static_assert(offsetof(struct kw_header, rules) == 56, "kw_header.rules");
static_assert(sizeof(struct kw_oom_victim) == 144, "sizeof(struct kw_oom_victim)");
static_assert(offsetof(struct kw_oom_victim, h) == 0, "kw_oom_victim.h");
static_assert(offsetof(struct kw_oom_victim, total_vm_kb) == 64, "kw_oom_victim.total_vm_kb");
static_assert(offsetof(struct kw_oom_victim, anon_rss_kb) == 72, "kw_oom_victim.anon_rss_kb");
static_assert(offsetof(struct kw_oom_victim, file_rss_kb) == 80, "kw_oom_victim.file_rss_kb");
static_assert(offsetof(struct kw_oom_victim, shmem_rss_kb) == 88, "kw_oom_victim.shmem_rss_kb");
static_assert(offsetof(struct kw_oom_victim, pgtables_kb) == 96, "kw_oom_victim.pgtables_kb");
static_assert(offsetof(struct kw_oom_victim, memcg_id) == 104, "kw_oom_victim.memcg_id");
static_assert(offsetof(struct kw_oom_victim, memcg_hierarchy) == 112, "kw_oom_victim.memcg_hierarchy");
static_assert(offsetof(struct kw_oom_victim, oom_score_adj) == 116, "kw_oom_victim.oom_score_adj");
static_assert(offsetof(struct kw_oom_victim, _pad) == 118, "kw_oom_victim._pad");
static_assert(offsetof(struct kw_oom_victim, trigger_pid) == 120, "kw_oom_victim.trigger_pid");
static_assert(offsetof(struct kw_oom_victim, _pad2) == 124, "kw_oom_victim._pad2");
static_assert(offsetof(struct kw_oom_victim, trigger_comm) == 128, "kw_oom_victim.trigger_comm");
static_assert(sizeof(struct kw_pcpu_drain) == 80, "sizeof(struct kw_pcpu_drain)");
static_assert(offsetof(struct kw_pcpu_drain, h) == 0, "kw_pcpu_drain.h");
static_assert(offsetof(struct kw_pcpu_drain, pfn) == 64, "kw_pcpu_drain.pfn");
static_assert(offsetof(struct kw_pcpu_drain, order) == 72, "kw_pcpu_drain.order");
static_assert(offsetof(struct kw_pcpu_drain, migratetype) == 76, "kw_pcpu_drain.migratetype");
static_assert(sizeof(struct kw_cgroup) == 368, "sizeof(struct kw_cgroup)");
static_assert(offsetof(struct kw_cgroup, h) == 0, "kw_cgroup.h");
static_assert(offsetof(struct kw_cgroup, id) == 64, "kw_cgroup.id");
static_assert(offsetof(struct kw_cgroup, hierarchy) == 72, "kw_cgroup.hierarchy");
static_assert(offsetof(struct kw_cgroup, level) == 76, "kw_cgroup.level");
static_assert(offsetof(struct kw_cgroup, val) == 80, "kw_cgroup.val");
static_assert(offsetof(struct kw_cgroup, task_pid) == 84, "kw_cgroup.task_pid");
static_assert(offsetof(struct kw_cgroup, task_tgid) == 88, "kw_cgroup.task_tgid");
static_assert(offsetof(struct kw_cgroup, threadgroup) == 92, "kw_cgroup.threadgroup");
static_assert(offsetof(struct kw_cgroup, task_comm) == 96, "kw_cgroup.task_comm");
static_assert(offsetof(struct kw_cgroup, path) == 112, "kw_cgroup.path");
static_assert(sizeof(struct kw_migrate_start) == 72, "sizeof(struct kw_migrate_start)");
static_assert(offsetof(struct kw_migrate_start, h) == 0, "kw_migrate_start.h");
static_assert(offsetof(struct kw_migrate_start, mode) == 64, "kw_migrate_start.mode");
static_assert(offsetof(struct kw_migrate_start, reason) == 68, "kw_migrate_start.reason");
static_assert(sizeof(struct kw_migrate_pages) == 120, "sizeof(struct kw_migrate_pages)");
static_assert(offsetof(struct kw_migrate_pages, h) == 0, "kw_migrate_pages.h");
static_assert(offsetof(struct kw_migrate_pages, succeeded) == 64, "kw_migrate_pages.succeeded");
static_assert(offsetof(struct kw_migrate_pages, failed) == 72, "kw_migrate_pages.failed");
static_assert(offsetof(struct kw_migrate_pages, thp_succeeded) == 80, "kw_migrate_pages.thp_succeeded");
static_assert(offsetof(struct kw_migrate_pages, thp_failed) == 88, "kw_migrate_pages.thp_failed");
static_assert(offsetof(struct kw_migrate_pages, thp_split) == 96, "kw_migrate_pages.thp_split");
static_assert(offsetof(struct kw_migrate_pages, large_folio_split) == 104, "kw_migrate_pages.large_folio_split");
static_assert(offsetof(struct kw_migrate_pages, mode) == 112, "kw_migrate_pages.mode");
static_assert(offsetof(struct kw_migrate_pages, reason) == 116, "kw_migrate_pages.reason");
static_assert(sizeof(struct kw_migrate_pte) == 88, "sizeof(struct kw_migrate_pte)");
static_assert(offsetof(struct kw_migrate_pte, h) == 0, "kw_migrate_pte.h");
static_assert(offsetof(struct kw_migrate_pte, addr) == 64, "kw_migrate_pte.addr");
static_assert(offsetof(struct kw_migrate_pte, pte) == 72, "kw_migrate_pte.pte");
static_assert(offsetof(struct kw_migrate_pte, order) == 80, "kw_migrate_pte.order");
static_assert(offsetof(struct kw_migrate_pte, _pad) == 84, "kw_migrate_pte._pad");
static_assert(sizeof(struct kw_fork) == 88, "sizeof(struct kw_fork)");
static_assert(offsetof(struct kw_fork, h) == 0, "kw_fork.h");
static_assert(offsetof(struct kw_fork, child_pid) == 64, "kw_fork.child_pid");
static_assert(offsetof(struct kw_fork, child_tgid) == 68, "kw_fork.child_tgid");
static_assert(offsetof(struct kw_fork, child_comm) == 72, "kw_fork.child_comm");
static_assert(sizeof(struct kw_newtask) == 80, "sizeof(struct kw_newtask)");
static_assert(offsetof(struct kw_newtask, h) == 0, "kw_newtask.h");
static_assert(offsetof(struct kw_newtask, clone_flags) == 64, "kw_newtask.clone_flags");
static_assert(offsetof(struct kw_newtask, oom_score_adj) == 72, "kw_newtask.oom_score_adj");
static_assert(offsetof(struct kw_newtask, _pad) == 74, "kw_newtask._pad");
static_assert(offsetof(struct kw_newtask, _pad2) == 76, "kw_newtask._pad2");
static_assert(sizeof(struct kw_exit) == 96, "sizeof(struct kw_exit)");
static_assert(offsetof(struct kw_exit, h) == 0, "kw_exit.h");
static_assert(offsetof(struct kw_exit, exit_code) == 64, "kw_exit.exit_code");
static_assert(offsetof(struct kw_exit, prio) == 68, "kw_exit.prio");
static_assert(offsetof(struct kw_exit, group_dead) == 72, "kw_exit.group_dead");
static_assert(offsetof(struct kw_exit, signal) == 76, "kw_exit.signal");
static_assert(offsetof(struct kw_exit, exit_status) == 80, "kw_exit.exit_status");
static_assert(offsetof(struct kw_exit, _pad) == 84, "kw_exit._pad");
static_assert(offsetof(struct kw_exit, age_ns) == 88, "kw_exit.age_ns");
static_assert(sizeof(struct kw_task) == 72, "sizeof(struct kw_task)");
static_assert(offsetof(struct kw_task, h) == 0, "kw_task.h");
static_assert(offsetof(struct kw_task, prio) == 64, "kw_task.prio");
static_assert(offsetof(struct kw_task, _pad) == 68, "kw_task._pad");
static_assert(sizeof(struct kw_exit_mmap) == 80, "sizeof(struct kw_exit_mmap)");
static_assert(offsetof(struct kw_exit_mmap, h) == 0, "kw_exit_mmap.h");
static_assert(offsetof(struct kw_exit_mmap, total_vm_kb) == 64, "kw_exit_mmap.total_vm_kb");
static_assert(offsetof(struct kw_exit_mmap, rss_kb) == 72, "kw_exit_mmap.rss_kb");
static_assert(sizeof(struct kw_stats) == 40, "sizeof(struct kw_stats)");
static_assert(offsetof(struct kw_stats, seen) == 0, "kw_stats.seen");
static_assert(offsetof(struct kw_stats, sent) == 8, "kw_stats.sent");
static_assert(offsetof(struct kw_stats, lost) == 16, "kw_stats.lost");
static_assert(offsetof(struct kw_stats, filtered) == 24, "kw_stats.filtered");
static_assert(offsetof(struct kw_stats, shed) == 32, "kw_stats.shed");
static_assert(sizeof(struct kw_control) == 8, "sizeof(struct kw_control)");
static_assert(offsetof(struct kw_control, generation) == 0, "kw_control.generation");
static_assert(offsetof(struct kw_control, shed_kinds) == 4, "kw_control.shed_kinds");
static_assert(sizeof(struct kw_kind_filter) == 64, "sizeof(struct kw_kind_filter)");
static_assert(offsetof(struct kw_kind_filter, rules) == 0, "kw_kind_filter.rules");
static_assert(offsetof(struct kw_kind_filter, by_cgroup) == 8, "kw_kind_filter.by_cgroup");
static_assert(offsetof(struct kw_kind_filter, by_comm) == 16, "kw_kind_filter.by_comm");
static_assert(offsetof(struct kw_kind_filter, by_uid) == 24, "kw_kind_filter.by_uid");
static_assert(offsetof(struct kw_kind_filter, by_threshold) == 32, "kw_kind_filter.by_threshold");
static_assert(offsetof(struct kw_kind_filter, counted) == 40, "kw_kind_filter.counted");
static_assert(offsetof(struct kw_kind_filter, except_cgroup) == 48, "kw_kind_filter.except_cgroup");
static_assert(offsetof(struct kw_kind_filter, except_comm) == 56, "kw_kind_filter.except_comm");
static_assert(sizeof(struct kw_cgroup_key) == 16, "sizeof(struct kw_cgroup_key)");
static_assert(offsetof(struct kw_cgroup_key, cgroup_id) == 0, "kw_cgroup_key.cgroup_id");
static_assert(offsetof(struct kw_cgroup_key, generation) == 8, "kw_cgroup_key.generation");
static_assert(offsetof(struct kw_cgroup_key, _pad) == 12, "kw_cgroup_key._pad");
static_assert(sizeof(struct kw_cgroup_rules) == 24, "sizeof(struct kw_cgroup_rules)");
static_assert(offsetof(struct kw_cgroup_rules, match) == 0, "kw_cgroup_rules.match");
static_assert(offsetof(struct kw_cgroup_rules, reject) == 8, "kw_cgroup_rules.reject");
static_assert(offsetof(struct kw_cgroup_rules, states) == 16, "kw_cgroup_rules.states");
static_assert(sizeof(struct kw_glob_state) == 160, "sizeof(struct kw_glob_state)");
static_assert(offsetof(struct kw_glob_state, next) == 0, "kw_glob_state.next");
static_assert(offsetof(struct kw_glob_state, accept) == 8, "kw_glob_state.accept");
static_assert(offsetof(struct kw_glob_state, reject) == 16, "kw_glob_state.reject");
static_assert(offsetof(struct kw_glob_state, kind) == 24, "kw_glob_state.kind");
static_assert(offsetof(struct kw_glob_state, len) == 25, "kw_glob_state.len");
static_assert(offsetof(struct kw_glob_state, _pad) == 26, "kw_glob_state._pad");
static_assert(offsetof(struct kw_glob_state, _pad2) == 28, "kw_glob_state._pad2");
static_assert(offsetof(struct kw_glob_state, text) == 32, "kw_glob_state.text");
static_assert(offsetof(struct kw_glob_state, mask) == 96, "kw_glob_state.mask");
static_assert(sizeof(struct kw_comm_key) == 24, "sizeof(struct kw_comm_key)");
static_assert(offsetof(struct kw_comm_key, comm) == 0, "kw_comm_key.comm");
static_assert(offsetof(struct kw_comm_key, generation) == 16, "kw_comm_key.generation");
static_assert(offsetof(struct kw_comm_key, _pad) == 20, "kw_comm_key._pad");
static_assert(sizeof(struct kw_comm_rules) == 16, "sizeof(struct kw_comm_rules)");
static_assert(offsetof(struct kw_comm_rules, accept) == 0, "kw_comm_rules.accept");
static_assert(offsetof(struct kw_comm_rules, reject) == 8, "kw_comm_rules.reject");
static_assert(sizeof(struct kw_comm_pattern) == 56, "sizeof(struct kw_comm_pattern)");
static_assert(offsetof(struct kw_comm_pattern, text) == 0, "kw_comm_pattern.text");
static_assert(offsetof(struct kw_comm_pattern, mask) == 16, "kw_comm_pattern.mask");
static_assert(offsetof(struct kw_comm_pattern, accept) == 32, "kw_comm_pattern.accept");
static_assert(offsetof(struct kw_comm_pattern, reject) == 40, "kw_comm_pattern.reject");
static_assert(offsetof(struct kw_comm_pattern, kind) == 48, "kw_comm_pattern.kind");
static_assert(offsetof(struct kw_comm_pattern, _pad) == 52, "kw_comm_pattern._pad");
static_assert(sizeof(struct kw_uid_key) == 8, "sizeof(struct kw_uid_key)");
static_assert(offsetof(struct kw_uid_key, uid) == 0, "kw_uid_key.uid");
static_assert(offsetof(struct kw_uid_key, generation) == 4, "kw_uid_key.generation");
static_assert(sizeof(struct kw_threshold) == 16, "sizeof(struct kw_threshold)");
static_assert(offsetof(struct kw_threshold, kind) == 0, "kw_threshold.kind");
static_assert(offsetof(struct kw_threshold, offset) == 2, "kw_threshold.offset");
static_assert(offsetof(struct kw_threshold, size) == 4, "kw_threshold.size");
static_assert(offsetof(struct kw_threshold, is_signed) == 5, "kw_threshold.is_signed");
static_assert(offsetof(struct kw_threshold, cmp) == 6, "kw_threshold.cmp");
static_assert(offsetof(struct kw_threshold, rule) == 7, "kw_threshold.rule");
static_assert(offsetof(struct kw_threshold, value) == 8, "kw_threshold.value");
static_assert(sizeof(struct kw_rule_agg) == 8, "sizeof(struct kw_rule_agg)");
static_assert(offsetof(struct kw_rule_agg, group_by) == 0, "kw_rule_agg.group_by");
static_assert(offsetof(struct kw_rule_agg, fn) == 1, "kw_rule_agg.fn");
static_assert(offsetof(struct kw_rule_agg, offset) == 2, "kw_rule_agg.offset");
static_assert(offsetof(struct kw_rule_agg, size) == 4, "kw_rule_agg.size");
static_assert(offsetof(struct kw_rule_agg, is_signed) == 5, "kw_rule_agg.is_signed");
static_assert(offsetof(struct kw_rule_agg, _pad) == 6, "kw_rule_agg._pad");
static_assert(sizeof(struct kw_count_key) == 16, "sizeof(struct kw_count_key)");
static_assert(offsetof(struct kw_count_key, rule) == 0, "kw_count_key.rule");
static_assert(offsetof(struct kw_count_key, generation) == 4, "kw_count_key.generation");
static_assert(offsetof(struct kw_count_key, group) == 8, "kw_count_key.group");
static_assert(sizeof(struct kw_count) == 40, "sizeof(struct kw_count)");
static_assert(offsetof(struct kw_count, events) == 0, "kw_count.events");
static_assert(offsetof(struct kw_count, sum) == 8, "kw_count.sum");
static_assert(offsetof(struct kw_count, max_even) == 16, "kw_count.max_even");
static_assert(offsetof(struct kw_count, max_odd) == 24, "kw_count.max_odd");
static_assert(offsetof(struct kw_count, tag_even) == 32, "kw_count.tag_even");
static_assert(offsetof(struct kw_count, tag_odd) == 36, "kw_count.tag_odd");

#endif /* KERNWATCH_H_LAYOUT_H */
