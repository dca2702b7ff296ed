#include "quiesce.h"

#include <linux/membarrier.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "bpf_error.h"

namespace kernwatch {
namespace {

class QuiesceWorker : public Napi::AsyncWorker {
 public:
  explicit QuiesceWorker(Napi::Env env)
      : Napi::AsyncWorker(env, "kernwatch quiesce"), deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override {
    if (syscall(__NR_membarrier, MEMBARRIER_CMD_GLOBAL, 0, 0) != 0) errno_ = errno;
  }

  void OnOK() override {
    if (errno_ != 0) {
      deferred_.Reject(BpfError(Env(), "membarrier", errno_).Value());
      return;
    }
    deferred_.Resolve(Env().Undefined());
  }

  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  Napi::Promise::Deferred deferred_;
  int errno_ = 0;
};

}  // namespace

Napi::Value QuiescePrograms(const Napi::CallbackInfo& info) {
  auto* worker = new QuiesceWorker(info.Env());
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // the worker deletes itself once done
  return promise;
}

}  // namespace kernwatch
