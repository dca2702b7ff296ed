#!/usr/bin/env bash
# Installs the Debian packages kernwatch builds and tests with, skipping
# those already present, so a second run costs a few dpkg queries.
set -euo pipefail

packages=(
  clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config  # BPF object and native addon
  bpftool                                                 # vmlinux.h and the skeleton
  bpftrace                                                # the benchmark's peer
  e2fsprogs util-linux mount                              # mkfs.ext4, fsfreeze, loop mounts (hung-task test)
  prometheus-alertmanager                                 # the Alertmanager notifier's tests
  qemu-system-x86 busybox kmod cpio xz-utils zstd         # the kernel matrix: Debian's kernels in QEMU guests
)

missing=()
for p in "${packages[@]}"; do
  [[ "$p" == \#* ]] && continue
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if ((${#missing[@]} > 0)); then
  if [[ $EUID -ne 0 ]]; then
    echo "install-deps: missing Debian packages: ${missing[*]} (run as root, or install them)" >&2
    exit 1
  fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
