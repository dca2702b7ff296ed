#!/usr/bin/env bash
# Installs the Debian packages kernwatch builds and tests with, skipping
# those already present, so a second run costs a few dpkg queries.
# --kernel-matrix adds what scripts/test-kernels.sh boots guests with.
set -euo pipefail

packages=(
  clang llvm libbpf-dev libelf-dev zlib1g-dev pkg-config  # BPF object and native addon
  bpftool                                                 # vmlinux.h and the skeleton
  bpftrace                                                # the benchmark's peer
  e2fsprogs util-linux mount                              # mkfs.ext4, fsfreeze, loop mounts (hung-task test)
  prometheus-alertmanager                                 # the Alertmanager notifier's tests
  prometheus                                              # promtool: the exposition, kernwatch's own alert rules
  clang-format                                            # make lint: bpf/ and native/
)
if [[ "${1:-}" == --package ]]; then
  # `make deb`, `make image` and their tests: Debian's packaging tools, lintian,
  # a man page from --help, a fresh Debian 12 to install into, buildah and podman
  packages=(debhelper dpkg-dev fakeroot lintian help2man mmdebstrap systemd bc buildah podman)
fi
if [[ "${1:-}" == --kernel-matrix ]]; then
  # Debian's kernels in QEMU guests: the emulator, the guest's initramfs
  # tools, and the archive key fetch-kernel.sh checks the kernels with
  packages+=(qemu-system-x86 busybox kmod cpio xz-utils zstd debian-archive-keyring)
fi

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
