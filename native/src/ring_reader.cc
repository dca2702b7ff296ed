#include "ring_reader.h"

#include <bpf/libbpf.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "bpf_error.h"

namespace kernwatch {

// Batches queued for JavaScript before the reader blocks. While it blocks the
// kernel keeps filling the ring buffer and counts what does not fit as lost,
// so a slow consumer shows up in the loss counters, not as unbounded memory.
constexpr size_t kMaxQueuedBatches = 64;

void DeliverBatch(Napi::Env env, Napi::Function callback, RingReader*, Batch* batch) {
  if (env == nullptr || callback.IsEmpty()) {  // the environment is tearing down
    delete batch;
    return;
  }
  if (batch->error != 0) {
    Napi::Error error = BpfError(env, "ring_buffer__poll", batch->error);
    delete batch;
    callback.Call({error.Value(), env.Null()});
    return;
  }
  // The Buffer takes the vector's memory; no copy on the JS thread.
  auto* bytes = new std::vector<uint8_t>(std::move(batch->bytes));
  delete batch;
  Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::New(
      env, bytes->data(), bytes->size(), [](Napi::Env, uint8_t*, std::vector<uint8_t>* owned) { delete owned; }, bytes);
  callback.Call({env.Null(), buffer});
}

RingReader::RingReader(Napi::Env env, int ring_fd, Napi::Function on_batch, Options options) : options_(options) {
  napi_value promise;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_promise(env, &stopped_, &promise));
  stopped_promise_ = Napi::Persistent(Napi::Object(env, promise));
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0) throw BpfError(env, "eventfd", errno);
  ring_ = ring_buffer__new(ring_fd, &RingReader::OnRecord, this, nullptr);
  if (ring_ == nullptr) {
    int err = errno;
    close(stop_fd_);
    throw BpfError(env, "ring_buffer__new", err);
  }
  deliver_ =
      BatchFunction::New(env, on_batch, "kernwatch ring reader", kMaxQueuedBatches, 1, this, &RingReader::Finalize);
  pending_ = new Batch();
  last_flush_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { Run(); });
}

RingReader::~RingReader() {
  if (ring_ != nullptr) ring_buffer__free(ring_);
  if (stop_fd_ >= 0) close(stop_fd_);
  delete pending_;
}

void RingReader::Stop() {
  uint64_t one = 1;
  if (stop_fd_ >= 0 && write(stop_fd_, &one, sizeof(one)) < 0) {
    // eventfd writes only fail on counter overflow; a stop is already pending
  }
}

int RingReader::OnRecord(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingReader*>(ctx);
  auto* bytes = static_cast<uint8_t*>(data);
  std::vector<uint8_t>& out = self->pending_->bytes;
  out.insert(out.end(), bytes, bytes + size);
  // Keep every record 8-byte aligned in the batch so JS can read u64s in place.
  while (out.size() % 8 != 0) out.push_back(0);
  return 0;
}

bool RingReader::Flush() {
  if (pending_->bytes.empty() && pending_->error == 0) return true;
  Batch* batch = pending_;
  pending_ = new Batch();
  pending_->bytes.reserve(options_.batch_bytes);
  last_flush_ = std::chrono::steady_clock::now();
  napi_status status = deliver_.BlockingCall(batch);
  if (status != napi_ok) {
    delete batch;
    return false;
  }
  return true;
}

void RingReader::Run() {
  struct pollfd fds[2] = {
      {ring_buffer__epoll_fd(ring_), POLLIN, 0},
      {stop_fd_, POLLIN, 0},
  };
  bool stopping = false;
  while (!stopping) {
    int ready = poll(fds, 2, options_.flush_ms);
    if (ready < 0 && errno != EINTR) {
      pending_->error = errno;
      Flush();
      break;
    }
    stopping = ready > 0 && (fds[1].revents & POLLIN);
    // Records are submitted without a wakeup below the kernel's threshold, so
    // consume on every timeout too, not only when the epoll fd is readable.
    int consumed = ring_buffer__consume(ring_);
    if (consumed < 0) {
      pending_->error = -consumed;
      Flush();
      break;
    }
    bool due = std::chrono::steady_clock::now() - last_flush_ >= std::chrono::milliseconds(options_.flush_ms);
    if (pending_->bytes.size() >= options_.batch_bytes || due || stopping) {
      if (!Flush()) break;
    }
  }
  deliver_.Release();
}

void RingReader::Finalize(Napi::Env env, void*, RingReader* self) {
  self->Stop();
  if (self->thread_.joinable()) self->thread_.join();
  self->finished_ = true;
  if (env != nullptr && self->stopped_ != nullptr) {
    napi_resolve_deferred(env, self->stopped_, env.Undefined());
    self->stopped_ = nullptr;
  }
}

}  // namespace kernwatch
