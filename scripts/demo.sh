#!/usr/bin/env bash
# The main job of `make demo`: a live dry-run of rules/ on this host for 20
# seconds (nothing is sent anywhere), while a scratch cgroup of our own sees
# some action (a freeze, a burst of processes, one OOM kill in a 32 MiB memory
# cgroup), so that alerts fire within the first minute.
set -euo pipefail
cd "$(dirname "$0")/.."

log=$(mktemp)
./bin/kernwatch rules test rules/ --duration 20s 2> >(tee "$log" >&2) &
test_pid=$!
trap 'kill -INT "$test_pid" 2>/dev/null || true; rm -f "$log"' EXIT
# the workload starts once the rules are live: 0.5 s here, longer in an emulated guest
for _ in $(seq 1200); do
  grep -q 'kernwatch: testing' "$log" && break
  kill -0 "$test_pid" 2>/dev/null || break
  sleep 0.1
done
./scripts/demo-workload.sh --oom
wait "$test_pid"
