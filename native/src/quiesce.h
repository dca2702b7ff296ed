// Waits, on a worker thread, until every BPF program that was running when
// it was called has returned: programs run under RCU, and
// membarrier(MEMBARRIER_CMD_GLOBAL) returns after a grace period
// (synchronize_rcu). A filter generation flipped before the call is then
// read by no program any more, so the old one may be cleared.
#pragma once
#include <napi.h>

namespace kernwatch {

// quiescePrograms() -> Promise, rejected with errno and code when the kernel
// (or a seccomp filter) refuses membarrier.
Napi::Value QuiescePrograms(const Napi::CallbackInfo& info);

}  // namespace kernwatch
