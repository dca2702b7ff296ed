#include "map_batch.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <unordered_set>

namespace kernwatch {
namespace {

// The kernel's own ENOTSUPP, which no userspace header defines: what a
// BPF_MAP_*_BATCH command returns for a map type without the operation.
constexpr int kENOTSUPP = 524;

// The kernel has no such batch command (EINVAL before 5.6) or no such
// operation for this map type. Only a batch call's first answer can say so.
bool Refused(int err) { return err == -EINVAL || err == -kENOTSUPP || err == -EOPNOTSUPP; }

// Entries asked for by a read's first batch call: as many as the last read
// found and some, so that an unchanged map is read in one call.
uint32_t FirstAsk(const MapBatchState& state) {
  return std::max<uint32_t>(64, state.last_count + state.last_count / 4 + 1);
}

// BPF_MAP_LOOKUP_BATCH from the first bucket to ENOENT, which ends every
// read and may come with the last entries. A bucket holding more keys than
// the call asks for makes it fail with ENOSPC and copy nothing: ask again
// for twice as many.
int BatchRead(const bpf_map* map, const ReadOptions& options, uint32_t first_ask, MapEntries& out) {
  const int fd = bpf_map__fd(map);
  const size_t key_size = bpf_map__key_size(map);
  const size_t value_size = ValueBytes(map);
  const uint32_t max_entries = std::max<uint32_t>(1, bpf_map__max_entries(map));
  uint32_t ask = std::min(options.batch_count != 0 ? options.batch_count : first_ask, max_entries);
  // where the next call resumes: a bucket number for hash maps, a key for arrays
  std::vector<uint8_t> from(std::max<size_t>(key_size, 8)), next(from.size());
  bool started = false;
  while (true) {
    out.keys.resize((out.count + ask) * key_size);
    out.values.resize((out.count + ask) * value_size);
    uint32_t n = ask;
    int err =
        bpf_map_lookup_batch(fd, started ? from.data() : nullptr, next.data(), out.keys.data() + out.count * key_size,
                             out.values.data() + out.count * value_size, &n, nullptr);
    if (err == -ENOSPC && ask < max_entries) {
      ask = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{ask} * 2, max_entries));
      continue;
    }
    if (err && err != -ENOENT) return err;
    out.count += n;
    if (err == -ENOENT) break;
    from.swap(next);
    started = true;
    if (options.batch_count == 0) ask = static_cast<uint32_t>(std::min<uint64_t>(uint64_t{ask} * 2, max_entries));
  }
  out.keys.resize(out.count * key_size);
  out.values.resize(out.count * value_size);
  return 0;
}

// get_next_key and a lookup per key, where the kernel has no batch read.
// When the key it stands on is deleted, get_next_key starts again from the
// first key: the walk then meets keys it has already returned, skips them,
// counts the first of each such run as a restart and ends at the second.
// Every key is met at most twice, so 2 x max_entries steps bound the walk
// even when restarts go unnoticed (all the keys before it deleted).
int WalkRead(const bpf_map* map, MapEntries& out) {
  const size_t key_size = bpf_map__key_size(map);
  const size_t value_size = ValueBytes(map);
  const size_t steps = 2 * static_cast<size_t>(bpf_map__max_entries(map)) + 1;
  out.walked = true;
  std::unordered_set<std::string> seen;
  std::vector<uint8_t> at(key_size), next(key_size), value(value_size);
  bool started = false, revisiting = false;
  for (size_t step = 0; step < steps; step++) {
    int err = bpf_map__get_next_key(map, started ? at.data() : nullptr, next.data(), key_size);
    if (err == -ENOENT) break;
    if (err) return err;
    at.swap(next);
    started = true;
    if (!seen.emplace(reinterpret_cast<const char*>(at.data()), key_size).second) {
      if (!revisiting && ++out.restarts > 1) break;
      revisiting = true;
      continue;
    }
    revisiting = false;
    err = bpf_map__lookup_elem(map, at.data(), key_size, value.data(), value_size, 0);
    if (err == -ENOENT) continue;  // deleted since get_next_key named it
    if (err) return err;
    out.keys.insert(out.keys.end(), at.begin(), at.end());
    out.values.insert(out.values.end(), value.begin(), value.end());
    out.count++;
  }
  return 0;
}

}  // namespace

size_t ValueBytes(const bpf_map* map) {
  size_t size = bpf_map__value_size(map);
  bpf_map_type type = bpf_map__type(map);
  if (type == BPF_MAP_TYPE_PERCPU_ARRAY || type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_LRU_PERCPU_HASH ||
      type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE) {
    size = (size + 7) / 8 * 8 * libbpf_num_possible_cpus();
  }
  return size;
}

int ReadEntries(const bpf_map* map, MapBatchState& state, const ReadOptions& options, MapEntries& out) {
  out = MapEntries{};
  if (!options.walk && !state.lookup_refused) {
    int err = BatchRead(map, options, FirstAsk(state), out);
    if (err == 0) {
      state.last_count = static_cast<uint32_t>(out.count);
      return 0;
    }
    if (!Refused(err) || out.count != 0) return err;
    state.lookup_refused = true;
    out = MapEntries{};
  }
  return WalkRead(map, out);
}

int DeleteKeys(const bpf_map* map, MapBatchState& state, const uint8_t* keys, size_t n, size_t& deleted) {
  const int fd = bpf_map__fd(map);
  const size_t key_size = bpf_map__key_size(map);
  deleted = 0;
  size_t at = 0;
  while (at < n && !state.delete_refused) {
    uint32_t count = static_cast<uint32_t>(std::min<size_t>(n - at, UINT32_MAX));
    int err = bpf_map_delete_batch(fd, keys + at * key_size, &count, nullptr);
    if (Refused(err) && deleted == 0 && at == 0) {
      state.delete_refused = true;  // and `count` was left as asked: nothing was deleted
      break;
    }
    if (err && err != -ENOENT) return err;
    deleted += count;
    at += count;
    // the kernel stops at a key already gone (a program deleted it, or it was
    // never there); `count` is how many went before it
    if (err == -ENOENT) at++;
  }
  for (; at < n; at++) {
    int err = bpf_map__delete_elem(map, keys + at * key_size, key_size, 0);
    if (err == -ENOENT) continue;
    if (err) return err;
    deleted++;
  }
  return 0;
}

}  // namespace kernwatch
