// Reads the BPF ring buffers on a thread of its own and hands JavaScript
// whole batches of records, one thread-safe call per batch, so that a fork
// storm costs JavaScript a few calls per second instead of one per event.
//
// Two lanes: the `urgent` ring (rare, page-worthy kinds) is drained first at
// every turn and handed over at once; the bulk `events` ring is handed over
// in batches of bounded size. Each lane has a budget of bytes handed to
// JavaScript and not yet released by it: past the budget the reader takes no
// more records from that ring, so the kernel's ring fills and counts what
// does not fit, per kind, instead of batches piling up in the JS heap.
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
  bool urgent = false;         // from the urgent ring
};

class RingReader;
void DeliverBatch(Napi::Env env, Napi::Function callback, RingReader* reader, Batch* batch);
using BatchFunction = Napi::TypedThreadSafeFunction<RingReader, Batch, DeliverBatch>;

class RingReader {
 public:
  struct Options {
    size_t batch_bytes;    // a batch is handed over once this many bytes are waiting
    int flush_ms;          // and at least this often while records arrive
    size_t max_in_flight;  // per lane: bytes handed over and not yet released
  };

  // Starts the thread. `on_batch(error, buffer, urgent)` runs on the JS
  // thread, which calls Release() with the buffer's length once it has
  // finished with it; Stopped() resolves once the last batch was delivered
  // and the thread joined.
  RingReader(Napi::Env env, int urgent_fd, int bulk_fd, Napi::Function on_batch, Options options);
  ~RingReader();

  // Asks the thread to drain what is left and stop; returns at once.
  void Stop();
  // JavaScript is done with `bytes` of a lane's batches: the reader may take that many more.
  void Release(bool urgent, size_t bytes);
  Napi::Value Stopped() const { return stopped_promise_.Value(); }
  bool Finished() const { return finished_; }

 private:
  struct Lane {
    RingReader* reader = nullptr;
    ring_buffer* ring = nullptr;
    Batch* pending = nullptr;
    bool urgent = false;
    std::atomic<size_t> in_flight{0};
  };

  static int OnRecord(void* ctx, void* data, size_t size);
  static void Finalize(Napi::Env env, void* data, RingReader* reader);
  void Run();
  // Takes records from the lane's ring while its budget allows (or always,
  // when `stopping`), handing over each full batch. Returns false after an
  // error was handed over, or once JavaScript can take no more calls.
  bool Drain(Lane& lane, bool stopping);
  bool Flush(Lane& lane);  // false once JavaScript can take no more calls
  bool HasRoom(const Lane& lane) const;

  Lane urgent_;
  Lane bulk_;
  int stop_fd_ = -1;
  int credit_fd_ = -1;  // written by Release(), so a reader waiting for room wakes up
  Options options_;
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
