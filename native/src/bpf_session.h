// One loaded instance of bpf/kernwatch.bpf.c: opens the skeleton, loads the
// programs that are wanted and that this kernel accepts, attaches and detaches
// them, gives byte-level access to maps, and owns the ring reader.
#pragma once
#include <napi.h>

#include <map>
#include <memory>
#include <string>

#include "map_batch.h"
#include "ring_reader.h"

struct kernwatch_bpf;
struct bpf_link;
struct bpf_map;
struct bpf_program;
struct btf;

namespace kernwatch {

class BpfSession : public Napi::ObjectWrap<BpfSession> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit BpfSession(const Napi::CallbackInfo& info);
  ~BpfSession() override;

 private:
  Napi::Value Programs(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Compat(const Napi::CallbackInfo& info);
  void Attach(const Napi::CallbackInfo& info);
  void Detach(const Napi::CallbackInfo& info);
  Napi::Value Lookup(const Napi::CallbackInfo& info);
  void Update(const Napi::CallbackInfo& info);
  Napi::Value Delete(const Napi::CallbackInfo& info);
  Napi::Value Entries(const Napi::CallbackInfo& info);
  Napi::Value DeleteKeys(const Napi::CallbackInfo& info);
  Napi::Value RecursionMisses(const Napi::CallbackInfo& info);
  void StartReader(const Napi::CallbackInfo& info);
  Napi::Value StopReader(const Napi::CallbackInfo& info);
  void ReleaseBatch(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  bpf_program* ProgramArg(const Napi::CallbackInfo& info, size_t index);
  bpf_map* MapArg(const Napi::CallbackInfo& info, size_t index);
  void RequireLoaded(Napi::Env env, const char* operation) const;
  void Open(Napi::Env env);
  void Release();

  uint32_t ring_bytes_ = 0;    // 0: the object's own size
  int64_t wakeup_bytes_ = -1;  // < 0: the object's own default
  uint32_t urgent_bytes_ = 0;  // 0: the object's own size
  uint32_t urgent_kinds_ = 0;  // bit `kind`: its records go to the urgent ring
  bool compat_ = false;        // the object built without bpf_loop()
  btf* vmlinux_ = nullptr;     // the running kernel's BTF; null without it
  kernwatch_bpf* skel_ = nullptr;
  bool loaded_ = false;
  std::map<std::string, bpf_link*> links_;
  std::map<const bpf_map*, MapBatchState> batch_states_;  // per map of the loaded object
  std::unique_ptr<RingReader> reader_;
};

}  // namespace kernwatch
