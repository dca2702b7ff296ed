#!/usr/bin/env bash
# Makes a few kernel events happen inside a scratch cgroup of our own:
# cgroup mkdir/attach/populated/freeze/frozen/unfreeze/rmdir/release, a burst
# of short-lived processes, and (with --oom) one OOM kill inside a v1 or v2
# memory cgroup limited to 32 MiB. Everything it creates it removes, even
# when interrupted.
set -euo pipefail

oom=false
[[ "${1:-}" == "--oom" ]] && oom=true

v2_root=/sys/fs/cgroup/unified
[[ -f /sys/fs/cgroup/cgroup.controllers ]] && v2_root=/sys/fs/cgroup
scratch="$v2_root/kernwatch-demo-$$"
memcg=""
sleeper=""

cleanup() {
  [[ -e "$scratch/cgroup.freeze" ]] && echo 0 > "$scratch/cgroup.freeze" 2>/dev/null || true
  [[ -n "$sleeper" ]] && kill "$sleeper" 2>/dev/null && wait "$sleeper" 2>/dev/null || true
  [[ -d "$scratch" ]] && rmdir "$scratch" 2>/dev/null || true
  [[ -n "$memcg" && -d "$memcg" ]] && rmdir "$memcg" 2>/dev/null || true
}
trap cleanup EXIT

mkdir "$scratch"
sleep 30 &
sleeper=$!
echo "$sleeper" > "$scratch/cgroup.procs"
echo 1 > "$scratch/cgroup.freeze"
sleep 0.3
echo 0 > "$scratch/cgroup.freeze"
for _ in $(seq 1 20); do /bin/true; done
kill "$sleeper"; wait "$sleeper" 2>/dev/null || true
sleeper=""

if $oom; then
  # The memory cgroup that can hit its limit: v1 on hybrid hosts, else v2.
  self_memcg=$(sed -n 's/^[0-9]*:memory:\(.*\)$/\1/p' /proc/self/cgroup)
  if [[ -n "$self_memcg" && -d /sys/fs/cgroup/memory ]]; then
    memcg="/sys/fs/cgroup/memory${self_memcg%/}/kernwatch-demo-oom-$$"
    mkdir "$memcg"
    echo 32M > "$memcg/memory.limit_in_bytes"
  else
    memcg="$scratch-oom"
    mkdir "$memcg"
    echo 32M > "$memcg/memory.max"
  fi
  # A child that moves itself into the limited cgroup, then allocates 128 MiB.
  bash -c "echo \$\$ > '$memcg/cgroup.procs'; exec python3 -c 'b = bytearray(128 << 20)'" 2>/dev/null || true
fi
