// Reads every entry of a map, and deletes many keys, with the batch
// operations (BPF_MAP_LOOKUP_BATCH, BPF_MAP_DELETE_BATCH; 5.6): a hash map
// is read bucket by bucket, so a key deleted meanwhile cannot send the read
// back to the first key as it does a get_next_key walk, and thousands of
// entries cost a few system calls instead of two per key. Where the kernel
// refuses the batch call for a map, a bounded get_next_key walk stands in.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

struct bpf_map;

namespace kernwatch {

// What the reads of one map remember from one call to the next.
struct MapBatchState {
  bool lookup_refused = false;  // the kernel has no BPF_MAP_LOOKUP_BATCH for this map
  bool delete_refused = false;  // nor BPF_MAP_DELETE_BATCH
  uint32_t last_count = 0;      // entries the last read found: the next one asks for that many and some
};

struct MapEntries {
  std::vector<uint8_t> keys;    // `count` keys back to back
  std::vector<uint8_t> values;  // their values in the same order, ValueBytes() each
  size_t count = 0;
  bool walked = false;    // read with get_next_key and a lookup per key
  uint32_t restarts = 0;  // times the walk lost its place and went back to the first key
};

struct ReadOptions {
  bool walk = false;         // walk even where the batch call works (tests, the bench)
  uint32_t batch_count = 0;  // entries asked for per batch call, grown only when a bucket needs it; 0: adaptive
};

// The bytes a lookup gives for one key: per-CPU maps give one value per
// possible CPU, each padded to 8 bytes.
size_t ValueBytes(const bpf_map* map);

// Every entry of `map`. 0 or a negative errno.
int ReadEntries(const bpf_map* map, MapBatchState& state, const ReadOptions& options, MapEntries& out);

// Deletes the `n` keys at `keys`, back to back; `deleted` says how many of
// them were there. 0 or a negative errno.
int DeleteKeys(const bpf_map* map, MapBatchState& state, const uint8_t* keys, size_t n, size_t& deleted);

}  // namespace kernwatch
