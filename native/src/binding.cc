// The addon's exports; all work happens in the classes it names.
#include <bpf/libbpf.h>
#include <napi.h>

#include "bpf_error.h"
#include "bpf_session.h"
#include "record_layout.h"

namespace {

Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), libbpf_version_string());
}

Napi::Value PossibleCpus(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), libbpf_num_possible_cpus());
}

Napi::Value RecordSizes(const Napi::CallbackInfo& info) {
  return kernwatch::RecordSizes(info.Env());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  kernwatch::InstallLibbpfLogger();
  exports.Set("BpfSession", kernwatch::BpfSession::Define(env));
  exports.Set("libbpfVersion", Napi::Function::New(env, LibbpfVersion));
  exports.Set("possibleCpus", Napi::Function::New(env, PossibleCpus));
  exports.Set("recordSizes", Napi::Function::New(env, RecordSizes));
  return exports;
}

}  // namespace

NODE_API_MODULE(kernwatch, Init)
