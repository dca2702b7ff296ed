#include "bpf_error.h"

#include <bpf/libbpf.h>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

namespace kernwatch {
namespace {

// Verifier logs can be megabytes; the tail is where the reason is (the
// last instructions before the refusal, then libbpf's own summary lines).
constexpr size_t kMaxLogBytes = 64 * 1024;
thread_local std::string libbpf_log;

// libbpf prints a whole verifier log with one call, so the message is sized
// first: a fixed line buffer would cut the reason off the end.
int CaptureLibbpfOutput(enum libbpf_print_level level, const char* format, va_list args) {
  if (level == LIBBPF_DEBUG) return 0;
  va_list sizing;
  va_copy(sizing, args);
  int n = vsnprintf(nullptr, 0, format, sizing);
  va_end(sizing);
  if (n <= 0) return n;
  std::string message(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(message.data(), message.size(), format, args);
  message.pop_back();
  libbpf_log.append(message);
  if (libbpf_log.size() > kMaxLogBytes) {
    libbpf_log.erase(0, libbpf_log.size() - kMaxLogBytes);
  }
  return n;
}

const char* ErrnoName(int err) {
  switch (err) {
    case EPERM:
      return "EPERM";
    case EACCES:
      return "EACCES";
    case ENOENT:
      return "ENOENT";
    case EINVAL:
      return "EINVAL";
    case ENOMEM:
      return "ENOMEM";
    case E2BIG:
      return "E2BIG";
    case EEXIST:
      return "EEXIST";
    case EBUSY:
      return "EBUSY";
    case ENOSPC:
      return "ENOSPC";
    case ESRCH:
      return "ESRCH";
    case ENOTSUP:
      return "ENOTSUP";
    case EBADF:
      return "EBADF";
    default:
      return "EBPF";
  }
}

}  // namespace

void InstallLibbpfLogger() { libbpf_set_print(CaptureLibbpfOutput); }

std::string TakeLibbpfLog() {
  std::string out;
  out.swap(libbpf_log);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

Napi::Error BpfError(Napi::Env env, const std::string& operation, int err) {
  return BpfError(env, operation, err, TakeLibbpfLog());
}

Napi::Error BpfError(Napi::Env env, const std::string& operation, int err, const std::string& log) {
  int code = err < 0 ? -err : err;
  std::string message = operation + ": " + strerror(code);
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("errno", Napi::Number::New(env, code));
  error.Set("code", Napi::String::New(env, ErrnoName(code)));
  error.Set("operation", Napi::String::New(env, operation));
  error.Set("libbpfLog", Napi::String::New(env, log));
  return error;
}

}  // namespace kernwatch
