#include "record_layout.h"

#include <linux/types.h>
#include <cstddef>

#include "kernwatch.h"

// The BPF side is compiled for a 64-bit little-endian target; these sizes are
// what it produced, so a host compiler that pads differently fails here.
static_assert(sizeof(struct kw_header) == 56, "kw_header layout");
static_assert(offsetof(struct kw_header, comm) == 40, "kw_header.comm offset");
static_assert(sizeof(struct kw_oom_victim) == 136, "kw_oom_victim layout");
static_assert(sizeof(struct kw_pcpu_drain) == 72, "kw_pcpu_drain layout");
static_assert(sizeof(struct kw_cgroup) == 360, "kw_cgroup layout");
static_assert(sizeof(struct kw_migrate_start) == 64, "kw_migrate_start layout");
static_assert(sizeof(struct kw_migrate_pages) == 112, "kw_migrate_pages layout");
static_assert(sizeof(struct kw_migrate_pte) == 80, "kw_migrate_pte layout");
static_assert(sizeof(struct kw_fork) == 80, "kw_fork layout");
static_assert(sizeof(struct kw_newtask) == 72, "kw_newtask layout");
static_assert(sizeof(struct kw_exit) == 72, "kw_exit layout");
static_assert(sizeof(struct kw_task) == 64, "kw_task layout");
static_assert(sizeof(struct kw_exit_mmap) == 72, "kw_exit_mmap layout");
static_assert(sizeof(struct kw_stats) == 24, "kw_stats layout");

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
#undef KW_SIZE
  return sizes;
}

}  // namespace kernwatch
