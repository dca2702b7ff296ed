#!/usr/bin/env bash
# The kernel matrix: scripts/vm/guest-suite.sh in QEMU guests booting the
# kernels our users run, fetched from Debian's archive. Guests run emulated
# (TCG) where the host has no hardware KVM, so each costs minutes: see the
# summary this prints.
#
#   KW_KERNELS="6.1:hybrid 6.12:hybrid sid:v2"   series:cgroup-mode pairs (default below)
#
# hybrid: v1 controllers plus cgroup2 at /sys/fs/cgroup/unified, like our
# machines; v2: cgroup2 only at /sys/fs/cgroup, like every current systemd host.
set -euo pipefail
cd "$(dirname "$0")/.."

read -r -a matrix <<< "${KW_KERNELS:-6.1:hybrid 6.12:hybrid sid:v2}"
summary=()
failed=0
for entry in "${matrix[@]}"; do
  series=${entry%%:*}
  mode=${entry#*:}
  version=$(scripts/vm/fetch-kernel.sh "$series")
  echo "==== $version ($mode cgroups)"
  start=$(date +%s)
  demo=0; [ "$mode" = v2 ] && demo=1  # the demo once, on the v2-only guest
  if KW_VM_CGROUP=$mode KW_VM_TIMEOUT=${KW_VM_TIMEOUT:-1500} KW_VM_ENV="KW_GUEST_DEMO" KW_GUEST_DEMO=$demo \
      scripts/vm/run-in-kernel.sh "$version" -- scripts/vm/guest-suite.sh; then
    result=passed
  else
    result="FAILED (exit $?)"
    failed=1
  fi
  summary+=("$(printf '%-24s %-7s %-18s %4ss' "$version" "$mode" "$result" "$(( $(date +%s) - start ))")")
done
echo
echo "==== kernel matrix"
printf '%s\n' "${summary[@]}"
exit "$failed"
