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

// What OnRecord returns once its batch is full: libbpf stops consuming after
// the record just taken (it is in the batch) and returns this.
constexpr int kBatchFull = -ENOBUFS;

void DeliverBatch(Napi::Env env, Napi::Function callback, RingReader*, Batch* batch) {
  if (env == nullptr || callback.IsEmpty()) {  // the environment is tearing down
    delete batch;
    return;
  }
  if (batch->error != 0) {
    Napi::Error error = BpfError(env, "ring_buffer__poll", batch->error);
    delete batch;
    callback.Call({error.Value(), env.Null(), Napi::Boolean::New(env, false)});
    return;
  }
  bool urgent = batch->urgent;
  // The Buffer takes the vector's memory; no copy on the JS thread.
  auto* bytes = new std::vector<uint8_t>(std::move(batch->bytes));
  delete batch;
  Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::New(
      env, bytes->data(), bytes->size(), [](Napi::Env, uint8_t*, std::vector<uint8_t>* owned) { delete owned; }, bytes);
  callback.Call({env.Null(), buffer, Napi::Boolean::New(env, urgent)});
}

RingReader::RingReader(Napi::Env env, int urgent_fd, int bulk_fd, Napi::Function on_batch, Options options)
    : options_(options) {
  napi_value promise;
  NAPI_THROW_IF_FAILED_VOID(env, napi_create_promise(env, &stopped_, &promise));
  stopped_promise_ = Napi::Persistent(Napi::Object(env, promise));
  stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  credit_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (stop_fd_ < 0 || credit_fd_ < 0) {
    int err = errno;
    if (stop_fd_ >= 0) close(stop_fd_);
    if (credit_fd_ >= 0) close(credit_fd_);
    throw BpfError(env, "eventfd", err);
  }
  urgent_.urgent = true;
  for (auto [lane, fd] : {std::pair<Lane*, int>{&urgent_, urgent_fd}, {&bulk_, bulk_fd}}) {
    lane->reader = this;
    lane->ring = ring_buffer__new(fd, &RingReader::OnRecord, lane, nullptr);
    if (lane->ring == nullptr) {
      int err = errno;
      if (urgent_.ring != nullptr) ring_buffer__free(urgent_.ring);
      urgent_.ring = nullptr;
      close(stop_fd_);
      close(credit_fd_);
      throw BpfError(env, "ring_buffer__new", err);
    }
    lane->pending = new Batch();
    lane->pending->urgent = lane->urgent;
  }
  // Unbounded here because the lanes' budgets bound what can be queued.
  deliver_ = BatchFunction::New(env, on_batch, "kernwatch ring reader", 0, 1, this, &RingReader::Finalize);
  last_flush_ = std::chrono::steady_clock::now();
  thread_ = std::thread([this] { Run(); });
}

RingReader::~RingReader() {
  for (Lane* lane : {&urgent_, &bulk_}) {
    if (lane->ring != nullptr) ring_buffer__free(lane->ring);
    delete lane->pending;
  }
  if (stop_fd_ >= 0) close(stop_fd_);
  if (credit_fd_ >= 0) close(credit_fd_);
}

void RingReader::Stop() {
  uint64_t one = 1;
  if (stop_fd_ >= 0 && write(stop_fd_, &one, sizeof(one)) < 0) {
    // eventfd writes only fail on counter overflow; a stop is already pending
  }
}

void RingReader::Release(bool urgent, size_t bytes) {
  Lane& lane = urgent ? urgent_ : bulk_;
  size_t held = lane.in_flight.load();
  // never below zero, whatever a caller releases
  while (!lane.in_flight.compare_exchange_weak(held, held - std::min(held, bytes))) {
  }
  uint64_t one = 1;
  if (credit_fd_ >= 0 && write(credit_fd_, &one, sizeof(one)) < 0) {
    // a wakeup is already pending
  }
}

int RingReader::OnRecord(void* ctx, void* data, size_t size) {
  auto* lane = static_cast<Lane*>(ctx);
  auto* bytes = static_cast<uint8_t*>(data);
  std::vector<uint8_t>& out = lane->pending->bytes;
  out.insert(out.end(), bytes, bytes + size);
  // Keep every record 8-byte aligned in the batch so JS can read u64s in place.
  while (out.size() % 8 != 0) out.push_back(0);
  return out.size() >= lane->reader->options_.batch_bytes ? kBatchFull : 0;
}

bool RingReader::HasRoom(const Lane& lane) const {
  return lane.in_flight.load() + lane.pending->bytes.size() < options_.max_in_flight;
}

bool RingReader::Flush(Lane& lane) {
  if (lane.pending->bytes.empty() && lane.pending->error == 0) return true;
  Batch* batch = lane.pending;
  lane.pending = new Batch();
  lane.pending->urgent = lane.urgent;
  if (!lane.urgent) {
    lane.pending->bytes.reserve(options_.batch_bytes);
    last_flush_ = std::chrono::steady_clock::now();
  }
  lane.in_flight += batch->bytes.size();
  napi_status status = deliver_.BlockingCall(batch);
  if (status != napi_ok) {
    delete batch;
    return false;
  }
  return true;
}

bool RingReader::Drain(Lane& lane, bool stopping) {
  while (stopping || HasRoom(lane)) {
    int consumed = ring_buffer__consume(lane.ring);
    if (consumed == kBatchFull) {
      if (!Flush(lane)) return false;
      continue;
    }
    if (consumed < 0) {
      lane.pending->error = -consumed;
      Flush(lane);
      return false;
    }
    return true;  // the ring is empty
  }
  return true;  // over budget: the rest waits in the kernel's ring
}

void RingReader::Run() {
  struct pollfd fds[4] = {
      {ring_buffer__epoll_fd(urgent_.ring), POLLIN, 0},
      {ring_buffer__epoll_fd(bulk_.ring), POLLIN, 0},
      {stop_fd_, POLLIN, 0},
      {credit_fd_, POLLIN, 0},
  };
  bool stopping = false;
  while (true) {
    // a bulk ring over budget is not watched: the credit fd says when there is room again
    fds[1].events = HasRoom(bulk_) ? POLLIN : 0;
    int ready = poll(fds, 4, options_.flush_ms);
    if (ready < 0 && errno != EINTR) {
      bulk_.pending->error = errno;
      Flush(bulk_);
      break;
    }
    if (ready > 0 && (fds[2].revents & POLLIN)) stopping = true;
    if (ready > 0 && (fds[3].revents & POLLIN)) {
      uint64_t credits;
      if (read(credit_fd_, &credits, sizeof(credits)) < 0) {
        // EAGAIN: another turn already took the wakeup
      }
    }
    // Urgent records first and at once, whatever the bulk ring holds. Bulk
    // records are submitted without a wakeup below the kernel's threshold, so
    // consume on every timeout too, not only when the epoll fd is readable.
    if (!Drain(urgent_, stopping) || !Flush(urgent_)) break;
    if (!Drain(bulk_, stopping)) break;
    bool due = std::chrono::steady_clock::now() - last_flush_ >= std::chrono::milliseconds(options_.flush_ms);
    if (due || stopping) {
      if (!Flush(bulk_)) break;
    }
    if (stopping) break;  // both rings were drained whole above
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
