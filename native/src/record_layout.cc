#include "record_layout.h"

#include <linux/types.h>

#include "kernwatch.h"
// static_asserts, generated from the header as clang compiles it for BPF,
// that this compiler places every member of every struct at the same offset
#include "kernwatch_h_layout.h"

namespace kernwatch {

Napi::Object RecordSizes(Napi::Env env) {
  Napi::Object sizes = Napi::Object::New(env);
#define KW_SIZE(name) sizes.Set(#name, Napi::Number::New(env, sizeof(struct name)));
  KW_STRUCTS(KW_SIZE)
#undef KW_SIZE
  return sizes;
}

}  // namespace kernwatch
