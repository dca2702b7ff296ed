// Reads the BPF ring buffer on a thread of its own and hands JavaScript
// whole batches of records, one thread-safe call per batch, so that a fork
// storm costs JavaScript a few calls per second instead of one per event.
#pragma once
#include <napi.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

struct ring_buffer;

namespace kernwatch {

struct Batch {
  std::vector<uint8_t> bytes;  // records back to back, each starting with kw_header
  int error = 0;               // errno of a failed poll; the reader stops after it
};

class RingReader;
void DeliverBatch(Napi::Env env, Napi::Function callback, RingReader* reader, Batch* batch);
using BatchFunction = Napi::TypedThreadSafeFunction<RingReader, Batch, DeliverBatch>;

class RingReader {
 public:
  struct Options {
    size_t batch_bytes;  // flush once this many bytes are waiting
    int flush_ms;        // and at least this often while records arrive
  };

  // Starts the thread. `on_batch(error, buffer)` runs on the JS thread;
  // Stopped() resolves once the last batch was delivered and the thread joined.
  RingReader(Napi::Env env, int ring_fd, Napi::Function on_batch, Options options);
  ~RingReader();

  // Asks the thread to drain what is left and stop; returns at once.
  void Stop();
  Napi::Value Stopped() const { return stopped_promise_.Value(); }
  bool Finished() const { return finished_; }

 private:
  static int OnRecord(void* ctx, void* data, size_t size);
  static void Finalize(Napi::Env env, void* data, RingReader* reader);
  void Run();
  bool Flush();  // false once JavaScript can take no more calls

  ring_buffer* ring_ = nullptr;
  int stop_fd_ = -1;
  Options options_;
  Batch* pending_ = nullptr;
  BatchFunction deliver_;
  // A napi_value only lives as long as its handle scope, so the promise is
  // kept through a reference and resolved through the raw deferred.
  napi_deferred stopped_ = nullptr;
  Napi::ObjectReference stopped_promise_;
  std::chrono::steady_clock::time_point last_flush_;
  std::thread thread_;
  std::atomic<bool> finished_{false};
};

}  // namespace kernwatch
