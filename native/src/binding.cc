// The addon's exports; all work happens in the classes it names.
#include <bpf/libbpf.h>
#include <napi.h>

#include <linux/types.h>

#include "bpf_error.h"
#include "kernwatch.h"
#include "bpf_session.h"
#include "quiesce.h"
#include "record_layout.h"

namespace {

Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), libbpf_version_string());
}

Napi::Value PossibleCpus(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), libbpf_num_possible_cpus());
}

Napi::Value RecordSizes(const Napi::CallbackInfo& info) { return kernwatch::RecordSizes(info.Env()); }

// The limits bpf/kernwatch.h defines, as this addon was compiled with them:
// test/live/layout.test.ts holds src/kernel/limits.ts to these.
Napi::Value Constants(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
  out.Set("KW_COMM_LEN", KW_COMM_LEN);
  out.Set("KW_PATH_LEN", KW_PATH_LEN);
  out.Set("KW_MAX_RULES", KW_MAX_RULES);
  out.Set("KW_MAX_THRESHOLDS", KW_MAX_THRESHOLDS);
  out.Set("KW_GENERATIONS", KW_GENERATIONS);
  out.Set("KW_SCRATCH_LEN", KW_SCRATCH_LEN);
  out.Set("KW_MAX_GLOB_STATES", KW_MAX_GLOB_STATES);
  out.Set("KW_SEGMENT_LEN", KW_SEGMENT_LEN);
  out.Set("KW_MAX_COMM_PATTERNS", KW_MAX_COMM_PATTERNS);
  out.Set("KW_KIND_MAX", static_cast<int>(KW_KIND_MAX));
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  kernwatch::InstallLibbpfLogger();
  exports.Set("BpfSession", kernwatch::BpfSession::Define(env));
  exports.Set("libbpfVersion", Napi::Function::New(env, LibbpfVersion));
  exports.Set("possibleCpus", Napi::Function::New(env, PossibleCpus));
  exports.Set("recordSizes", Napi::Function::New(env, RecordSizes));
  exports.Set("constants", Napi::Function::New(env, Constants));
  exports.Set("quiescePrograms", Napi::Function::New(env, kernwatch::QuiescePrograms));
  return exports;
}

}  // namespace

NODE_API_MODULE(kernwatch, Init)
