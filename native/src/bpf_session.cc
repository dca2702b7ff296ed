#include "bpf_session.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>

#include <cerrno>
#include <cstddef>
#include <cstdlib>
#include <cstring>
#include <set>
#include <vector>

#include "bpf_error.h"
#include "kernwatch.h"
#include "map_batch.h"
#include "kernwatch.skel.h"
#include "kernwatch_compat.skel.h"

namespace kernwatch {
namespace {

// "tp_btf/mark_victim" and "tracepoint/kmem/mm_page_pcpu_drain" both name
// their tracepoint last.
std::string TracepointOf(const bpf_program* prog) {
  std::string section = bpf_program__section_name(prog);
  size_t slash = section.rfind('/');
  return slash == std::string::npos ? section : section.substr(slash + 1);
}

// Every tracepoint the running kernel defines has a `btf_trace_<name>`
// typedef in its BTF, whichever way we attach to it.
bool KernelHasTracepoint(const btf* vmlinux, const std::string& tracepoint) {
  if (vmlinux == nullptr) return false;
  std::string type_name = "btf_trace_" + tracepoint;
  return btf__find_by_name_kind(vmlinux, type_name.c_str(), BTF_KIND_TYPEDEF) >= 0;
}

// The arguments this kernel passes to BPF programs on `tracepoint`: its
// `btf_trace_<name>` typedef points to a prototype whose first parameter is
// the tracepoint's own void *data. `fallback` when the kernel has no BTF for it.
uint32_t TracepointArgCount(const btf* vmlinux, const std::string& tracepoint, uint32_t fallback) {
  if (vmlinux == nullptr) return fallback;
  std::string type_name = "btf_trace_" + tracepoint;
  int id = btf__find_by_name_kind(vmlinux, type_name.c_str(), BTF_KIND_TYPEDEF);
  if (id < 0) return fallback;
  const btf_type* t = btf__type_by_id(vmlinux, btf__type_by_id(vmlinux, id)->type);
  if (t == nullptr || !btf_is_ptr(t)) return fallback;
  t = btf__type_by_id(vmlinux, t->type);
  if (t == nullptr || !btf_is_func_proto(t) || btf_vlen(t) < 1) return fallback;
  return btf_vlen(t) - 1;
}

// Whether the running kernel has the bpf_loop() helper (5.17): its
// enum bpf_func_id names BPF_FUNC_loop. Without BTF, assume a new kernel.
bool KernelHasBpfLoop(const btf* vmlinux) {
  if (vmlinux == nullptr) return true;
  int id = btf__find_by_name_kind(vmlinux, "bpf_func_id", BTF_KIND_ENUM);
  if (id < 0) return true;
  const btf_type* t = btf__type_by_id(vmlinux, id);
  const struct btf_enum* e = btf_enum(t);
  for (uint16_t i = 0; i < btf_vlen(t); i++, e++) {
    if (std::strcmp(btf__name_by_offset(vmlinux, e->name_off), "BPF_FUNC_loop") == 0) return true;
  }
  return false;
}

// The compat object is the same source built without bpf_loop(); the
// skeleton of the main object drives it, so everything the skeleton reaches
// by offset must be laid out alike in both.
static_assert(sizeof(kernwatch_bpf) == sizeof(kernwatch_compat_bpf), "skeletons differ");
static_assert(sizeof(kernwatch_bpf::kernwatch_bpf__rodata) ==
                  sizeof(kernwatch_compat_bpf::kernwatch_compat_bpf__rodata),
              ".rodata differs between the objects");
static_assert(offsetof(kernwatch_bpf::kernwatch_bpf__rodata, wakeup_bytes) ==
                      offsetof(kernwatch_compat_bpf::kernwatch_compat_bpf__rodata, wakeup_bytes) &&
                  offsetof(kernwatch_bpf::kernwatch_bpf__rodata, mm_migrate_pages_args) ==
                      offsetof(kernwatch_compat_bpf::kernwatch_compat_bpf__rodata, mm_migrate_pages_args) &&
                  offsetof(kernwatch_bpf::kernwatch_bpf__rodata, sched_process_exit_args) ==
                      offsetof(kernwatch_compat_bpf::kernwatch_compat_bpf__rodata, sched_process_exit_args),
              ".rodata members differ between the objects");

// The program a failed bpf_object__load() stopped at: libbpf loads programs
// in order and names each one it reports on ("prog 'handle__x': ..."), so
// the last program named in its log is the one that failed.
std::string FailedProgram(const std::string& log) {
  const std::string marker = "prog '";
  size_t at = log.rfind(marker);
  if (at == std::string::npos) return "";
  size_t start = at + marker.size();
  size_t end = log.find('\'', start);
  return end == std::string::npos ? "" : log.substr(start, end - start);
}

Napi::Buffer<uint8_t> BufferArg(const Napi::CallbackInfo& info, size_t index, const char* what) {
  if (info.Length() <= index || !info[index].IsBuffer()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a Buffer");
  }
  return info[index].As<Napi::Buffer<uint8_t>>();
}

// A Buffer holding a copy of `bytes`; an empty vector may have no data to copy from.
Napi::Buffer<uint8_t> CopyOut(Napi::Env env, const std::vector<uint8_t>& bytes) {
  if (bytes.empty()) return Napi::Buffer<uint8_t>::New(env, 0);
  return Napi::Buffer<uint8_t>::Copy(env, bytes.data(), bytes.size());
}

}  // namespace

Napi::Function BpfSession::Define(Napi::Env env) {
  return DefineClass(env, "BpfSession",
                     {
                         InstanceMethod("programs", &BpfSession::Programs),
                         InstanceMethod("load", &BpfSession::Load),
                         InstanceAccessor("compat", &BpfSession::Compat, nullptr),
                         InstanceMethod("attach", &BpfSession::Attach),
                         InstanceMethod("detach", &BpfSession::Detach),
                         InstanceMethod("lookup", &BpfSession::Lookup),
                         InstanceMethod("update", &BpfSession::Update),
                         InstanceMethod("delete", &BpfSession::Delete),
                         InstanceMethod("entries", &BpfSession::Entries),
                         InstanceMethod("deleteKeys", &BpfSession::DeleteKeys),
                         InstanceMethod("recursionMisses", &BpfSession::RecursionMisses),
                         InstanceMethod("startReader", &BpfSession::StartReader),
                         InstanceMethod("stopReader", &BpfSession::StopReader),
                         InstanceMethod("releaseBatch", &BpfSession::ReleaseBatch),
                         InstanceMethod("close", &BpfSession::Close),
                     });
}

// new BpfSession({ ringBytes, urgentBytes, urgentKinds, wakeupBytes, compat }); compat (tests) forces
// the object without bpf_loop(), which is otherwise chosen from the kernel's BTF
BpfSession::BpfSession(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfSession>(info) {
  Napi::Env env = info.Env();
  Napi::Object options = info.Length() > 0 && info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  if (options.Has("ringBytes")) ring_bytes_ = options.Get("ringBytes").As<Napi::Number>().Uint32Value();
  if (options.Has("wakeupBytes")) wakeup_bytes_ = options.Get("wakeupBytes").As<Napi::Number>().Int64Value();
  if (options.Has("urgentBytes")) urgent_bytes_ = options.Get("urgentBytes").As<Napi::Number>().Uint32Value();
  if (options.Has("urgentKinds")) urgent_kinds_ = options.Get("urgentKinds").As<Napi::Number>().Uint32Value();
  vmlinux_ = btf__load_vmlinux_btf();
  TakeLibbpfLog();
  compat_ = options.Has("compat") ? options.Get("compat").ToBoolean().Value() : !KernelHasBpfLoop(vmlinux_);
  try {
    Open(env);
  } catch (...) {
    btf__free(vmlinux_);  // a constructor that throws gets no destructor call
    vmlinux_ = nullptr;
    throw;
  }
}

BpfSession::~BpfSession() {
  Release();
  btf__free(vmlinux_);
}

// Opens the skeleton on the object this kernel can load and sets everything
// decided before load: sizes asked for, and what this kernel's BTF says about
// tracepoint prototypes.
void BpfSession::Open(Napi::Env env) {
  // kernwatch_bpf__open(), with the compat object's bytes where needed
  skel_ = static_cast<kernwatch_bpf*>(calloc(1, sizeof(kernwatch_bpf)));
  if (skel_ == nullptr) throw BpfError(env, "kernwatch_bpf__open", ENOMEM);
  int err = kernwatch_bpf__create_skeleton(skel_);
  if (!err && compat_)
    skel_->skeleton->data = const_cast<void*>(kernwatch_compat_bpf__elf_bytes(&skel_->skeleton->data_sz));
  if (!err) err = bpf_object__open_skeleton(skel_->skeleton, nullptr);
  if (err) {
    Release();
    throw BpfError(env, "kernwatch_bpf__open", err);
  }
  if (ring_bytes_ != 0) {
    err = bpf_map__set_max_entries(skel_->maps.events, ring_bytes_);
    if (err) {
      Release();
      throw BpfError(env, "bpf_map__set_max_entries(events)", err);
    }
  }
  if (urgent_bytes_ != 0) {
    err = bpf_map__set_max_entries(skel_->maps.urgent, urgent_bytes_);
    if (err) {
      Release();
      throw BpfError(env, "bpf_map__set_max_entries(urgent)", err);
    }
  }
  if (wakeup_bytes_ >= 0) skel_->rodata->wakeup_bytes = wakeup_bytes_;
  skel_->rodata->urgent_kinds = urgent_kinds_;
  skel_->rodata->mm_migrate_pages_args =
      TracepointArgCount(vmlinux_, "mm_migrate_pages", skel_->rodata->mm_migrate_pages_args);
  skel_->rodata->sched_process_exit_args =
      TracepointArgCount(vmlinux_, "sched_process_exit", skel_->rodata->sched_process_exit_args);
}

void BpfSession::Release() {
  for (auto& entry : links_) bpf_link__destroy(entry.second);
  links_.clear();
  batch_states_.clear();
  if (skel_ != nullptr) kernwatch_bpf__destroy(skel_);
  skel_ = nullptr;
  loaded_ = false;
}

void BpfSession::RequireLoaded(Napi::Env env, const char* operation) const {
  if (skel_ == nullptr) throw Napi::Error::New(env, std::string(operation) + ": session is closed");
  if (!loaded_) throw Napi::Error::New(env, std::string(operation) + ": programs are not loaded");
}

// [{ name, tracepoint, section, available }] for every program in the object.
Napi::Value BpfSession::Programs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (skel_ == nullptr) throw Napi::Error::New(env, "programs: session is closed");
  Napi::Array out = Napi::Array::New(env);
  bpf_program* prog;
  uint32_t i = 0;
  bpf_object__for_each_program(prog, skel_->obj) {
    Napi::Object entry = Napi::Object::New(env);
    std::string tracepoint = TracepointOf(prog);
    entry.Set("name", bpf_program__name(prog));
    entry.Set("section", bpf_program__section_name(prog));
    entry.Set("tracepoint", tracepoint);
    entry.Set("available", KernelHasTracepoint(vmlinux_, tracepoint));
    out.Set(i++, entry);
  }
  return out;
}

// compat: whether this session runs the object built without bpf_loop()
Napi::Value BpfSession::Compat(const Napi::CallbackInfo& info) { return Napi::Boolean::New(info.Env(), compat_); }

// load(programNames) -> [{ name, errno, log }]: verifies and loads the
// named programs. A program this kernel refuses (the verifier, a CO-RE
// relocation, a missing helper) is left out and the rest loaded again, so
// one event that cannot run here does not take the others down; each refusal
// is returned with libbpf's log. Failures that name no program (maps, BTF)
// still throw.
Napi::Value BpfSession::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (skel_ == nullptr) throw Napi::Error::New(env, "load: session is closed");
  if (loaded_) throw Napi::Error::New(env, "load: already loaded");
  if (info.Length() < 1 || !info[0].IsArray())
    throw Napi::TypeError::New(env, "load: expected an array of program names");
  Napi::Array names = info[0].As<Napi::Array>();
  std::set<std::string> wanted;
  for (uint32_t i = 0; i < names.Length(); i++) wanted.insert(names.Get(i).As<Napi::String>());
  for (const std::string& name : wanted) {
    if (bpf_object__find_program_by_name(skel_->obj, name.c_str()) == nullptr) {
      throw Napi::Error::New(env, "load: no program named " + name);
    }
  }
  Napi::Array refused = Napi::Array::New(env);
  // a failed load leaves the object unusable: reopen it for each retry
  while (true) {
    bpf_program* prog;
    bpf_object__for_each_program(prog, skel_->obj) {
      bpf_program__set_autoload(prog, wanted.count(bpf_program__name(prog)) > 0);
    }
    TakeLibbpfLog();
    int err = kernwatch_bpf__load(skel_);
    if (err == 0) break;
    std::string log = TakeLibbpfLog();
    std::string culprit = FailedProgram(log);
    if (culprit.empty() || wanted.erase(culprit) == 0) throw BpfError(env, "bpf_object__load", err, log);
    Napi::Object entry = Napi::Object::New(env);
    entry.Set("name", culprit);
    entry.Set("errno", Napi::Number::New(env, err < 0 ? -err : err));
    entry.Set("log", log);
    refused.Set(refused.Length(), entry);
    kernwatch_bpf__destroy(skel_);
    skel_ = nullptr;
    Open(env);
  }
  loaded_ = true;
  return refused;
}

bpf_program* BpfSession::ProgramArg(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || !info[index].IsString())
    throw Napi::TypeError::New(info.Env(), "expected a program name");
  std::string name = info[index].As<Napi::String>();
  bpf_program* prog = bpf_object__find_program_by_name(skel_->obj, name.c_str());
  if (prog == nullptr) throw Napi::Error::New(info.Env(), "no program named " + name);
  return prog;
}

bpf_map* BpfSession::MapArg(const Napi::CallbackInfo& info, size_t index) {
  if (info.Length() <= index || !info[index].IsString()) throw Napi::TypeError::New(info.Env(), "expected a map name");
  std::string name = info[index].As<Napi::String>();
  bpf_map* map = bpf_object__find_map_by_name(skel_->obj, name.c_str());
  if (map == nullptr) throw Napi::Error::New(info.Env(), "no map named " + name);
  return map;
}

void BpfSession::Attach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, "attach");
  bpf_program* prog = ProgramArg(info, 0);
  std::string name = bpf_program__name(prog);
  if (links_.count(name)) return;
  bpf_link* link = bpf_program__attach(prog);
  if (link == nullptr) throw BpfError(env, "attach " + TracepointOf(prog), errno);
  links_[name] = link;
}

void BpfSession::Detach(const Napi::CallbackInfo& info) {
  RequireLoaded(info.Env(), "detach");
  std::string name = bpf_program__name(ProgramArg(info, 0));
  auto it = links_.find(name);
  if (it == links_.end()) return;
  bpf_link__destroy(it->second);
  links_.erase(it);
}

// lookup(map, key) -> Buffer | null. Per-CPU maps return one value per CPU,
// each padded to 8 bytes, as the kernel lays them out.
Napi::Value BpfSession::Lookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, "lookup");
  bpf_map* map = MapArg(info, 0);
  Napi::Buffer<uint8_t> key = BufferArg(info, 1, "key");
  Napi::Buffer<uint8_t> value = Napi::Buffer<uint8_t>::New(env, ValueBytes(map));
  int err = bpf_map__lookup_elem(map, key.Data(), key.Length(), value.Data(), value.Length(), 0);
  if (err == -ENOENT) return env.Null();
  if (err) throw BpfError(env, std::string("lookup ") + bpf_map__name(map), err);
  return value;
}

// update(map, key, value, flags = BPF_ANY)
void BpfSession::Update(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, "update");
  bpf_map* map = MapArg(info, 0);
  Napi::Buffer<uint8_t> key = BufferArg(info, 1, "key");
  Napi::Buffer<uint8_t> value = BufferArg(info, 2, "value");
  uint64_t flags = info.Length() > 3 ? info[3].As<Napi::Number>().Int64Value() : uint64_t(BPF_ANY);
  int err = bpf_map__update_elem(map, key.Data(), key.Length(), value.Data(), value.Length(), flags);
  if (err) throw BpfError(env, std::string("update ") + bpf_map__name(map), err);
}

// delete(map, key) -> whether the key was there
Napi::Value BpfSession::Delete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, "delete");
  bpf_map* map = MapArg(info, 0);
  Napi::Buffer<uint8_t> key = BufferArg(info, 1, "key");
  int err = bpf_map__delete_elem(map, key.Data(), key.Length(), 0);
  if (err == -ENOENT) return Napi::Boolean::New(env, false);
  if (err) throw BpfError(env, std::string("delete ") + bpf_map__name(map), err);
  return Napi::Boolean::New(env, true);
}

// entries(map, { walk, batchCount }) -> { keys, values, count, walked, restarts }:
// every entry, keys back to back and values in the same order, each as
// lookup() gives it. `walk` reads with get_next_key even where the batch
// call works, and `batchCount` fixes the entries asked for per call (tests
// and the bench compare them).
Napi::Value BpfSession::Entries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, "entries");
  bpf_map* map = MapArg(info, 0);
  ReadOptions options;
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    if (o.Has("walk")) options.walk = o.Get("walk").ToBoolean().Value();
    if (o.Has("batchCount")) options.batch_count = o.Get("batchCount").As<Napi::Number>().Uint32Value();
  }
  MapEntries entries;
  int err = ReadEntries(map, batch_states_[map], options, entries);
  if (err) throw BpfError(env, std::string(entries.walked ? "walk " : "lookup batch ") + bpf_map__name(map), err);
  Napi::Object out = Napi::Object::New(env);
  out.Set("keys", CopyOut(env, entries.keys));
  out.Set("values", CopyOut(env, entries.values));
  out.Set("count", Napi::Number::New(env, static_cast<double>(entries.count)));
  out.Set("walked", Napi::Boolean::New(env, entries.walked));
  out.Set("restarts", Napi::Number::New(env, entries.restarts));
  return out;
}

// deleteKeys(map, keys) -> how many of the keys, back to back in one Buffer, were there
Napi::Value BpfSession::DeleteKeys(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, "deleteKeys");
  bpf_map* map = MapArg(info, 0);
  Napi::Buffer<uint8_t> keys = BufferArg(info, 1, "keys");
  size_t key_size = bpf_map__key_size(map);
  if (keys.Length() % key_size != 0) {
    throw Napi::RangeError::New(env, std::string("deleteKeys ") + bpf_map__name(map) + ": keys are " +
                                         std::to_string(key_size) + " bytes each");
  }
  size_t deleted = 0;
  int err = kernwatch::DeleteKeys(map, batch_states_[map], keys.Data(), keys.Length() / key_size, deleted);
  if (err) throw BpfError(env, std::string("delete batch ") + bpf_map__name(map), err);
  return Napi::Number::New(env, static_cast<double>(deleted));
}

// recursionMisses() -> { program: count } for every loaded program. The
// kernel skips a tracing program that fires again on a CPU where it is
// already running (from an interrupt, say) and counts it only here: these
// events are in neither `seen` nor `lost` of the stats map.
Napi::Value BpfSession::RecursionMisses(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, "recursionMisses");
  Napi::Object out = Napi::Object::New(env);
  bpf_program* prog;
  bpf_object__for_each_program(prog, skel_->obj) {
    int fd = bpf_program__fd(prog);
    if (fd < 0) continue;  // not loaded
    bpf_prog_info prog_info = {};
    uint32_t len = sizeof(prog_info);
    if (bpf_obj_get_info_by_fd(fd, &prog_info, &len) != 0) throw BpfError(env, "bpf_obj_get_info_by_fd", errno);
    out.Set(bpf_program__name(prog), Napi::Number::New(env, static_cast<double>(prog_info.recursion_misses)));
  }
  return out;
}

// startReader(onBatch(err, buffer, urgent), { batchBytes, flushMs, maxInFlightBytes })
void BpfSession::StartReader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  RequireLoaded(env, "startReader");
  if (reader_ && !reader_->Finished()) throw Napi::Error::New(env, "startReader: already reading");
  if (info.Length() < 1 || !info[0].IsFunction()) throw Napi::TypeError::New(env, "startReader: expected a callback");
  RingReader::Options options{64 * 1024, 10, 4 << 20};
  if (info.Length() > 1 && info[1].IsObject()) {
    Napi::Object o = info[1].As<Napi::Object>();
    if (o.Has("batchBytes")) options.batch_bytes = o.Get("batchBytes").As<Napi::Number>().Uint32Value();
    if (o.Has("flushMs")) options.flush_ms = o.Get("flushMs").As<Napi::Number>().Int32Value();
    if (o.Has("maxInFlightBytes")) options.max_in_flight = o.Get("maxInFlightBytes").As<Napi::Number>().Uint32Value();
  }
  reader_.reset();
  reader_ = std::make_unique<RingReader>(env, bpf_map__fd(skel_->maps.urgent), bpf_map__fd(skel_->maps.events),
                                         info[0].As<Napi::Function>(), options);
  Ref();  // the session must outlive its reader thread
  Napi::Object stopped = reader_->Stopped().As<Napi::Object>();
  stopped.Get("then").As<Napi::Function>().Call(
      stopped, {Napi::Function::New(env, [this](const Napi::CallbackInfo&) { Unref(); })});
}

// stopReader() -> Promise resolved after the last batch was delivered.
Napi::Value BpfSession::StopReader(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!reader_) {
    auto done = Napi::Promise::Deferred::New(env);
    done.Resolve(env.Undefined());
    return done.Promise();
  }
  reader_->Stop();
  return reader_->Stopped();
}

// releaseBatch(urgent, bytes): JavaScript is done with a batch; the reader may take as many bytes more.
void BpfSession::ReleaseBatch(const Napi::CallbackInfo& info) {
  if (info.Length() < 2 || !info[1].IsNumber())
    throw Napi::TypeError::New(info.Env(), "releaseBatch: expected (urgent, bytes)");
  if (reader_) reader_->Release(info[0].ToBoolean().Value(), info[1].As<Napi::Number>().Uint32Value());
}

// close(): detaches everything and frees the object. The reader must have
// stopped first, since its thread reads the ring buffer being freed.
void BpfSession::Close(const Napi::CallbackInfo& info) {
  if (reader_ && !reader_->Finished()) {
    throw Napi::Error::New(info.Env(), "close: await stopReader() first");
  }
  reader_.reset();
  Release();
  // the kernel's BTF is megabytes of native memory the JavaScript GC does
  // not see: free it now, not when the wrapper is collected
  btf__free(vmlinux_);
  vmlinux_ = nullptr;
}

}  // namespace kernwatch
