#!/usr/bin/env bash
# The main job of `make demo`: watch the live kernel for 15 seconds while a
# scratch cgroup of our own sees some action, so that events show up at once.
set -euo pipefail
cd "$(dirname "$0")/.."

./bin/kernwatch tail oom.victim 'cgroup.*' process.fork process.exit process.hang 'migrate.*' --duration 15 &
tail_pid=$!
trap 'kill "$tail_pid" 2>/dev/null || true' EXIT
sleep 3
./scripts/demo-workload.sh --oom
wait "$tail_pid"
trap - EXIT
