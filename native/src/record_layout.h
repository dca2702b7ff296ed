#pragma once
#include <napi.h>

namespace kernwatch {

// {struct name: size in bytes} for every struct in bpf/kernwatch.h, as this
// compiler lays them out; the layout test compares them with the BPF BTF and
// with the TypeScript decoder.
Napi::Object RecordSizes(Napi::Env env);

}  // namespace kernwatch
