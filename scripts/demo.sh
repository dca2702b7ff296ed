#!/usr/bin/env bash
# The main job of `make demo`: a live dry-run of rules/ on this host for 20
# seconds (nothing is sent anywhere), while a scratch cgroup of our own sees
# some action (a freeze, a burst of processes, one OOM kill in a 32 MiB memory
# cgroup), so that alerts fire within the first minute.
set -euo pipefail
cd "$(dirname "$0")/.."

./bin/kernwatch rules test rules/ --duration 20s &
test_pid=$!
trap 'kill -INT "$test_pid" 2>/dev/null || true' EXIT
sleep 4
./scripts/demo-workload.sh --oom
wait "$test_pid"
trap - EXIT
