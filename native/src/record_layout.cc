#include "record_layout.h"

#include <linux/types.h>
#include <cstddef>

#include "kernwatch.h"

// The BPF side is compiled for a 64-bit little-endian target; these sizes are
// what it produced, so a host compiler that pads differently fails here.
static_assert(sizeof(struct kw_header) == 64, "kw_header layout");
static_assert(offsetof(struct kw_header, comm) == 40, "kw_header.comm offset");
static_assert(sizeof(struct kw_oom_victim) == 144, "kw_oom_victim layout");
static_assert(sizeof(struct kw_pcpu_drain) == 80, "kw_pcpu_drain layout");
static_assert(sizeof(struct kw_cgroup) == 368, "kw_cgroup layout");
static_assert(sizeof(struct kw_migrate_start) == 72, "kw_migrate_start layout");
static_assert(sizeof(struct kw_migrate_pages) == 120, "kw_migrate_pages layout");
static_assert(sizeof(struct kw_migrate_pte) == 88, "kw_migrate_pte layout");
static_assert(sizeof(struct kw_fork) == 88, "kw_fork layout");
static_assert(sizeof(struct kw_newtask) == 80, "kw_newtask layout");
static_assert(sizeof(struct kw_exit) == 96, "kw_exit layout");
static_assert(sizeof(struct kw_task) == 72, "kw_task layout");
static_assert(sizeof(struct kw_exit_mmap) == 80, "kw_exit_mmap layout");
static_assert(sizeof(struct kw_stats) == 40, "kw_stats layout");
static_assert(sizeof(struct kw_control) == 8, "kw_control layout");
static_assert(sizeof(struct kw_kind_filter) == 64, "kw_kind_filter layout");
static_assert(sizeof(struct kw_cgroup_key) == 16, "kw_cgroup_key layout");
static_assert(sizeof(struct kw_cgroup_rules) == 24, "kw_cgroup_rules layout");
static_assert(sizeof(struct kw_glob_state) == 160, "kw_glob_state layout");
static_assert(sizeof(struct kw_comm_key) == 24, "kw_comm_key layout");
static_assert(sizeof(struct kw_comm_rules) == 16, "kw_comm_rules layout");
static_assert(sizeof(struct kw_comm_pattern) == 56, "kw_comm_pattern layout");
static_assert(sizeof(struct kw_uid_key) == 8, "kw_uid_key layout");
static_assert(sizeof(struct kw_threshold) == 16, "kw_threshold layout");
static_assert(sizeof(struct kw_count_key) == 16, "kw_count_key layout");
static_assert(sizeof(struct kw_count) == 40, "kw_count layout");
static_assert(sizeof(struct kw_rule_agg) == 8, "kw_rule_agg layout");

namespace kernwatch {

Napi::Object RecordSizes(Napi::Env env) {
  Napi::Object sizes = Napi::Object::New(env);
#define KW_SIZE(name) sizes.Set(#name, Napi::Number::New(env, sizeof(struct name)))
  KW_SIZE(kw_header);
  KW_SIZE(kw_oom_victim);
  KW_SIZE(kw_pcpu_drain);
  KW_SIZE(kw_cgroup);
  KW_SIZE(kw_migrate_start);
  KW_SIZE(kw_migrate_pages);
  KW_SIZE(kw_migrate_pte);
  KW_SIZE(kw_fork);
  KW_SIZE(kw_newtask);
  KW_SIZE(kw_exit);
  KW_SIZE(kw_task);
  KW_SIZE(kw_exit_mmap);
  KW_SIZE(kw_stats);
  KW_SIZE(kw_control);
  KW_SIZE(kw_kind_filter);
  KW_SIZE(kw_cgroup_key);
  KW_SIZE(kw_cgroup_rules);
  KW_SIZE(kw_comm_key);
  KW_SIZE(kw_comm_rules);
  KW_SIZE(kw_comm_pattern);
  KW_SIZE(kw_uid_key);
  KW_SIZE(kw_threshold);
  KW_SIZE(kw_count_key);
  KW_SIZE(kw_count);
  KW_SIZE(kw_rule_agg);
#undef KW_SIZE
  return sizes;
}

}  // namespace kernwatch
