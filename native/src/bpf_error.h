// Turns libbpf failures into JavaScript exceptions that carry errno, its
// symbolic code and the last lines libbpf printed (verifier output, missing
// BTF, ...), which usually say more than strerror() does.
#pragma once
#include <napi.h>
#include <string>

namespace kernwatch {

// Routes libbpf's diagnostics into a per-thread buffer instead of stderr.
void InstallLibbpfLogger();

// The libbpf diagnostics captured since the last call, then forgets them.
std::string TakeLibbpfLog();

// `operation` names the failed call; `err` is a negative or positive errno.
Napi::Error BpfError(Napi::Env env, const std::string& operation, int err);

// The same with a log taken earlier.
Napi::Error BpfError(Napi::Env env, const std::string& operation, int err, const std::string& log);

}  // namespace kernwatch
