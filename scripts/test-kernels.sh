#!/usr/bin/env bash
# The kernel matrix: scripts/vm/guest-suite.sh in QEMU guests booting the
# kernels our users run, fetched from Debian's archive. Guests run emulated
# (TCG) where the host has no hardware KVM, so each costs minutes: the
# summary at the end says how many.
#
#   KW_KERNELS="5.10:hybrid:quick 6.1:hybrid 6.12:hybrid sid:v2"
#                         series:cgroup-mode[:quick] (the default); quick runs only
#                         the tests of what differs between kernels (guest-suite.sh)
#   KW_KERNEL_JOBS=2      guests at once (default: one per host CPU: an emulated
#                         guest runs on one host thread)
#
# hybrid: v1 controllers plus cgroup2 at /sys/fs/cgroup/unified, like our
# machines; v2: cgroup2 only at /sys/fs/cgroup, like every current systemd
# host. Each guest's output goes to .cache/kernel-logs/VERSION.log and is
# printed when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."

# 5.10 verifies the bounded-loop object, 14x slower, for every session: its
# whole suite takes 17 minutes emulated (KW_KERNELS=5.10:hybrid runs it)
read -r -a matrix <<< "${KW_KERNELS:-5.10:hybrid:quick 6.1:hybrid 6.12:hybrid sid:v2}"
jobs=${KW_KERNEL_JOBS:-$(nproc)}
logs=.cache/kernel-logs
mkdir -p "$logs" && rm -f "$logs"/*.result

# fetch first, one at a time: the downloads share an apt cache
versions=()
for entry in "${matrix[@]}"; do versions+=("$(scripts/vm/fetch-kernel.sh "${entry%%:*}")"); done

# runs one guest; its result line goes to $logs/VERSION.result
guest() {
  local version=$1 mode=$2 quick=$3 demo=0 start result
  [ "$mode" = v2 ] && demo=1 # the demo once, on the v2-only guest
  start=$(date +%s)
  if KW_VM_CGROUP=$mode KW_VM_TIMEOUT=${KW_VM_TIMEOUT:-1500} KW_VM_ENV="KW_GUEST_DEMO KW_GUEST_QUICK" KW_GUEST_DEMO=$demo KW_GUEST_QUICK=$quick \
      scripts/vm/run-in-kernel.sh "$version" -- scripts/vm/guest-suite.sh > "$logs/$version.log" 2>&1; then
    result=passed
  else
    result="FAILED (exit $?)"
  fi
  printf '%-24s %-13s %-18s %4ss\n' "$version" "$mode$([ "$quick" = 1 ] && echo ' quick')" "$result" "$(( $(date +%s) - start ))" > "$logs/$version.result"
}

started=$(date +%s)
pids=()
for i in "${!matrix[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n || true; done
  IFS=: read -r _ mode quick <<< "${matrix[$i]}"
  echo "==== starting ${versions[$i]} ($mode cgroups${quick:+, quick})"
  guest "${versions[$i]}" "$mode" "$([ "$quick" = quick ] && echo 1 || echo 0)" &
  pids+=($!)
done
for pid in "${pids[@]}"; do wait "$pid" || true; done

failed=0
for v in "${versions[@]}"; do
  echo
  echo "==== $v"
  cat "$logs/$v.log" 2>/dev/null || true
done
echo
echo "==== kernel matrix ($jobs at a time, $(( $(date +%s) - started ))s in all)"
for v in "${versions[@]}"; do
  cat "$logs/$v.result" 2>/dev/null || echo "$v: the guest left no result"
  grep -qs ' passed ' "$logs/$v.result" || failed=1
done
exit "$failed"
