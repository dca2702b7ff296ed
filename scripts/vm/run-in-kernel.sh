#!/bin/bash
# run-in-kernel.sh: run one command as root inside a throw-away QEMU guest
# (KVM where the host has hardware virtualisation, else TCG emulation) that
# boots a Debian kernel package with this machine's own root filesystem, so
# kernwatch can be tried on the kernels users run (Debian 12's 6.1,
# bookworm-backports / Debian 13's 6.12, Debian 11's 5.10, sid's newest)
# without rebooting the host. scripts/test-kernels.sh drives it for CI.
#
#   usage:  cd /path/to/a/kernwatch/checkout
#           scripts/vm/run-in-kernel.sh KERNEL_VERSION [--] COMMAND [ARG...]
#   e.g.    scripts/vm/run-in-kernel.sh $(scripts/vm/fetch-kernel.sh 6.1) -- bin/kernwatch events
#           KW_VM_CGROUP=v2 scripts/vm/run-in-kernel.sh 7.2.13+deb14-amd64 -- scripts/vm/guest-suite.sh
#           scripts/vm/run-in-kernel.sh --list          # kernels that can be booted
#
# Kernels come from scripts/vm/fetch-kernel.sh (unpacked under
# .cache/kernels, or KW_KERNEL_CACHE), from KW_VM_KROOT, or installed ones.
#
# The command runs as root in the current directory, with the host's
# programs (node, bash, python3, the build in the clone). Its stdout and
# stderr come back on this script's stdout; the script exits with the
# command's exit status (125: the guest never reported one: see the kernel
# log path printed on stderr).
#
# What the guest sees:
#   - /         : the host's root, read-only through virtio-9p, under a
#                 tmpfs overlay: writes anywhere are allowed and thrown away
#                 (and use guest RAM).
#   - $PWD      : the current directory, shared READ-WRITE (9p): files the
#                 command writes there are on the host afterwards, owned by
#                 root. KW_VM_RO_CWD=1 puts it under the throw-away overlay.
#   - /proc /sys /dev /dev/pts /dev/shm (tmpfs), bpffs at
#     /sys/fs/bpf, tracefs at /sys/kernel/tracing, debugfs; the loopback
#     interface up, no other network. Kernel modules come from
#     /lib/modules/KERNEL_VERSION (installed with the kernel package) and
#     load on demand.
#   - cgroups: KW_VM_CGROUP=hybrid (default, like this CI machine): every
#     v1 controller the kernel offers mounted at /sys/fs/cgroup/<ctrl>, plus
#     name=systemd, plus cgroup2 at /sys/fs/cgroup/unified (kernwatch's
#     tests expect that path). On kernels built without a v1 controller
#     (Debian's 6.12 has no memory or cpuset v1) that controller stays on v2.
#     KW_VM_CGROUP=v2: cgroup2 only, at /sys/fs/cgroup, like a stock
#     Debian 12 / Ubuntu systemd host.
#
# Needs (Debian 12 package names; all from the Debian archive):
#   apt-get install -y qemu-system-x86 busybox kmod cpio xz-utils zstd
#   apt-get install -y linux-image-6.1.0-NN-amd64 linux-image-6.12.NN+deb12-amd64
#       (`apt-cache search linux-image | grep amd64` lists them; installing
#        one adds /boot/vmlinuz-VER and /lib/modules/VER, and makes it the
#        default boot entry only if the host boots via GRUB: harmless on a
#        container/VM whose kernel is chosen from outside)
#   root (to read /boot and share /), and ideally /dev/kvm with hardware
#   virtualisation; without it the guest is emulated (TCG), much slower.
#   Kernels of other Debian releases without installing them (they need not
#   be in the host's sources.list): with a private apt configuration
#   (-o Dir::Etc::SourceList=FILE -o Dir::State::Lists=DIR -o Dir::Cache=DIR)
#   listing e.g. bullseye-security or sid, `apt-get download
#   linux-image-5.10.0-NN-amd64` (for >= 6.17 also linux-binary-VER and
#   linux-modules-VER), `dpkg-deb -x FILE.deb DIR` for each, then
#   KW_VM_KROOT=DIR. modules.dep is made there on first use.
#
# Cost, measured with TCG (the only option on the 2-core PVM sandbox this was
# written on): the command starts 15-25 s after launch; `true` takes ~20-25 s
# in all, `bin/kernwatch events` ~40-60 s (Node + Chevrotain start-up is
# ~35x slower than native), kernwatch's 36 kernel-facing tests ~5-10 min.
# With hardware KVM expect a few seconds of boot and near-native speed (not
# measured here). The guest gets KW_VM_MEM (default 4G) of RAM and
# KW_VM_CPUS (default: all host CPUs, at most 4) vCPUs.
#
# Knobs (environment): KW_VM_ACCEL=auto|kvm|tcg  KW_VM_MEM=4G  KW_VM_CPUS=N  KW_VM_TIMEOUT=1800 (s, the
# whole guest; exit 124 on expiry)  KW_VM_CGROUP=hybrid|v2  KW_VM_RO_CWD=1
# KW_VM_KEEP=1 (keep the work dir with console.log)  KW_VM_KROOT=DIR
# (unpacked kernel packages)  KW_VM_CWD_CACHE=loose|none (9p cache of $PWD)  KW_VM_ENV="VAR1 VAR2"
# (host variables passed to the command; PATH, HOME=/root, LANG, TERM are
# always set, CI when the host has it)  KW_VM_CMDLINE="..." (extra kernel arguments).
set -euo pipefail

die() { echo "run-in-kernel: $*" >&2; exit 125; }

usage() { sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit "${1:-2}"; }

[ $# -ge 1 ] || usage
case "$1" in
  -h|--help) usage 0 ;;
  --list)
    r=${KW_VM_KROOT:-}
    c=${KW_KERNEL_CACHE:-$(cd "$(dirname "$0")/../.." && pwd -P)/.cache/kernels}
    for k in "$r"/boot/vmlinuz-* "$r"/usr/lib/modules/*/vmlinuz "$c"/*/boot/vmlinuz-* "$c"/*/usr/lib/modules/*/vmlinuz; do
      [ -e "$k" ] || continue
      case "$k" in */vmlinuz) v=$(basename "$(dirname "$k")") ;; *) v=${k##*/vmlinuz-} ;; esac
      echo "$v"
    done | sort -uV
    exit 0 ;;
esac
KVER=$1; shift
[ "${1:-}" = "--" ] && shift
[ $# -ge 1 ] || usage

[ "$(id -u)" = 0 ] || die "run as root (it reads /boot and shares / with the guest)"
# The kernel and its modules: installed ones (/boot/vmlinuz-VER or the newer
# /usr/lib/modules/VER/vmlinuz), or, with KW_VM_KROOT=DIR, ones unpacked from
# .deb files without installing them (dpkg-deb -x PKG.deb DIR for the image,
# and for kernels >= 6.17 also linux-binary-* and linux-modules-*).
KROOT=${KW_VM_KROOT:-}
# a kernel scripts/vm/fetch-kernel.sh unpacked
PROJECT=$(cd "$(dirname "$0")/../.." && pwd -P)
KCACHE=${KW_KERNEL_CACHE:-$PROJECT/.cache/kernels}
if [ -z "$KROOT" ] && [ -e "$KCACHE/$KVER/.complete" ]; then KROOT=$KCACHE/$KVER; fi
KERNEL=
for k in "$KROOT/boot/vmlinuz-$KVER" "$KROOT/usr/lib/modules/$KVER/vmlinuz" "$KROOT/lib/modules/$KVER/vmlinuz"; do
  [ -r "$k" ] && { KERNEL=$k; break; }
done
[ -n "$KERNEL" ] || die "no kernel image for $KVER${KROOT:+ under $KROOT}: apt-get install linux-image-$KVER (see --list)"
MODDIR=
for m in "$KROOT/lib/modules/$KVER" "$KROOT/usr/lib/modules/$KVER"; do
  [ -d "$m/kernel" ] && { MODDIR=$(cd "$m" && pwd -P); break; }
done
[ -n "$MODDIR" ] || die "no modules for $KVER${KROOT:+ under $KROOT}: the kernel package's modules are missing"
QEMU=$(command -v qemu-system-x86_64) || die "no qemu-system-x86_64: apt-get install qemu-system-x86"
BUSYBOX=$(command -v busybox) || die "no busybox: apt-get install busybox"
command -v modprobe >/dev/null || die "no modprobe: apt-get install kmod"
command -v cpio >/dev/null || die "no cpio: apt-get install cpio"

# ACCEL: KVM where the host has hardware virtualisation, else TCG
. "$(dirname "$0")/qemu-accel.sh"

host_cpus=$(nproc)
CPUS=${KW_VM_CPUS:-$(( host_cpus > 4 ? 4 : host_cpus ))}
MEM=${KW_VM_MEM:-4G}
TIMEOUT=${KW_VM_TIMEOUT:-1800}
CGROUP=${KW_VM_CGROUP:-hybrid}
case "$CGROUP" in hybrid|v2) ;; *) die "KW_VM_CGROUP must be hybrid or v2" ;; esac
CWD=$(pwd -P)
case "$CWD" in /proc*|/sys*|/dev*) die "run it from a project directory, not $CWD" ;; esac

WORK=$(mktemp -d /tmp/kw-vm.XXXXXX)
cleanup() {
  if [ "${KW_VM_KEEP:-0}" = 1 ]; then echo "run-in-kernel: kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'echo "run-in-kernel: failed at line $LINENO: $BASH_COMMAND" >&2' ERR
trap 'exit 130' INT TERM

# ---- stage 1: a tiny initramfs that mounts the host root --------------------
IRD=$WORK/initramfs
mkdir -p "$IRD"/{bin,lib/modules,proc,sys,dev,lower,upper,newroot}
# busybox with its shared libraries (works for static and dynamic builds)
cp "$BUSYBOX" "$IRD/bin/busybox"
for lib in $(ldd "$BUSYBOX" 2>/dev/null | grep -o '/[^ ]*' || true); do
  mkdir -p "$IRD$(dirname "$lib")"; cp -L "$lib" "$IRD$lib"
done
# the modules that reach the 9p root, in dependency order (an unpacked
# kernel gets its modules.dep made here, in its own module directory)
DEPBASE=$WORK/depbase; mkdir -p "$DEPBASE/lib/modules"; ln -s "$MODDIR" "$DEPBASE/lib/modules/$KVER"
[ -s "$MODDIR/modules.dep" ] || depmod -b "$DEPBASE" "$KVER" || die "depmod failed for $MODDIR"
: > "$IRD/lib/modules/load"
for m in virtio_pci 9pnet_virtio 9p overlay; do
  # "builtin m" or nothing (built in, and no modules.builtin to say so) is fine
  { modprobe -d "$DEPBASE" -S "$KVER" --show-depends "$m" 2>/dev/null || true; } | awk '$1=="insmod"{print $2}'
done | awk '!seen[$0]++' | while read -r ko; do
  base=$(basename "$ko"); base=${base%.xz}; base=${base%.zst}; base=${base%.gz}
  case "$ko" in
    *.xz) xz -dc "$ko" > "$IRD/lib/modules/$base" ;;
    *.zst) zstd -qdc "$ko" > "$IRD/lib/modules/$base" ;;
    *.gz) gzip -dc "$ko" > "$IRD/lib/modules/$base" ;;
    *) cp "$ko" "$IRD/lib/modules/$base" ;;
  esac
  echo "$base" >> "$IRD/lib/modules/load"
done

grep -q '^9p\.ko' "$IRD/lib/modules/load" || grep -q '/9p\.ko' "$MODDIR/modules.builtin" 2>/dev/null \
  || echo "run-in-kernel: warning: no 9p module found for $KVER; assuming it is built in" >&2
cat > "$IRD/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs dev /dev
fail() { echo "run-in-kernel init: $*" > /dev/console; poweroff -f; }
for m in $(cat /lib/modules/load); do insmod /lib/modules/$m 2>/dev/null; done
o=trans=virtio,version=9p2000.L,msize=262144
mount -t 9p -o $o,ro,cache=loose hostroot /lower || fail "cannot mount the host root over 9p"
mount -t tmpfs -o mode=755 upper /upper && mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot \
  || fail "cannot mount the overlay root"
mkdir -p /newroot/run/kwout
mount -t 9p -o $o,cache=none kwout /newroot/run/kwout || fail "cannot mount the exchange dir"
cwd=$(cat /newroot/run/kwout/cwd)
if [ "$(cat /newroot/run/kwout/ro_cwd)" != 1 ]; then
  mount -t 9p -o $o,cache=$(cat /newroot/run/kwout/cwd_cache) kwcwd "/newroot$cwd" || fail "cannot mount $cwd read-write"
fi
mount --move /proc /newroot/proc; mount --move /sys /newroot/sys; mount --move /dev /newroot/dev
exec switch_root /newroot /bin/bash /run/kwout/stage2
EOF
chmod +x "$IRD/init"
(cd "$IRD" && find . | cpio -o -H newc --quiet) > "$WORK/initramfs.cpio"

# ---- stage 2: runs as PID 1 in the host root ---------------------------------
X=$WORK/xchg; mkdir -p "$X"
echo "$CWD" > "$X/cwd"
echo "${KW_VM_RO_CWD:-0}" > "$X/ro_cwd"
echo "${KW_VM_CWD_CACHE:-loose}" > "$X/cwd_cache"
{
  printf 'export PATH=%q HOME=/root LANG=C.UTF-8 TERM=dumb\n' "$PATH"
  for v in CI ${KW_VM_ENV:-}; do
    if [ -n "${!v+x}" ]; then printf 'export %s=%q\n' "$v" "${!v}"; fi
  done
  printf 'cd %q || exit 125\n' "$CWD"
  printf 'exec'; printf ' %q' "$@"; printf '\n'
} > "$X/cmd"
cat > "$X/stage2" <<EOF
#!/bin/bash
# PID 1 inside the guest: system mounts, then the command on ttyS1.
CGROUP=$CGROUP
MODDIR='$MODDIR'
EOF
cat >> "$X/stage2" <<'EOF'
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mkdir -p /dev/pts /dev/shm
# what udev/systemd would add to /dev (process substitution needs /dev/fd)
ln -sfn /proc/self/fd /dev/fd
ln -sf /proc/self/fd/0 /dev/stdin; ln -sf /proc/self/fd/1 /dev/stdout; ln -sf /proc/self/fd/2 /dev/stderr
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t bpf bpf /sys/fs/bpf
mount -t tracefs nodev /sys/kernel/tracing
mount -t debugfs nodev /sys/kernel/debug
mount -t securityfs nodev /sys/kernel/security 2>/dev/null
# modules for this kernel, for modprobe and request_module()
if [ "$MODDIR" != "/lib/modules/$(uname -r)" ] && [ "$MODDIR" != "/usr/lib/modules/$(uname -r)" ]; then
  mkdir -p "/lib/modules/$(uname -r)" && mount --bind "$MODDIR" "/lib/modules/$(uname -r)"
fi
# /dev/loop-control exists before anything opens it on a udev host (kmod
# static nodes); here, load loop up front so `mount -o loop` works
modprobe -q loop 2>/dev/null
if [ "$CGROUP" = v2 ]; then
  mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup
else
  mount -t tmpfs -o mode=755 cgroup /sys/fs/cgroup
  for c in cpu cpuacct cpuset memory devices freezer blkio pids; do
    mkdir -p /sys/fs/cgroup/$c
    mount -t cgroup -o $c cgroup /sys/fs/cgroup/$c 2>/dev/null || rmdir /sys/fs/cgroup/$c
  done
  mkdir -p /sys/fs/cgroup/systemd /sys/fs/cgroup/unified
  mount -t cgroup -o none,name=systemd cgroup /sys/fs/cgroup/systemd
  mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup/unified
fi
# every controller cgroup v2 holds is enabled for the root's children, as
# systemd does at boot (on hybrid, those not bound to a v1 hierarchy)
v2root=/sys/fs/cgroup; [ "$CGROUP" = v2 ] || v2root=/sys/fs/cgroup/unified
for c in $(cat $v2root/cgroup.controllers); do echo "+$c" > $v2root/cgroup.subtree_control 2>/dev/null; done
hostname kw-guest
ip link set lo up 2>/dev/null || busybox ifconfig lo 127.0.0.1 up
echo "run-in-kernel: guest $(uname -r) up after $(cut -d' ' -f1 /proc/uptime)s" > /dev/ttyS0
stty -F /dev/ttyS1 raw -echo 2>/dev/null
bash /run/kwout/cmd < /dev/null > /dev/ttyS1 2>&1 &
# bash reaps every child on SIGCHLD, orphans included (PID 1's duty), while it waits
wait $!; st=$?
echo "$st" > /run/kwout/rc
echo "run-in-kernel: command exited $st after $(cut -d' ' -f1 /proc/uptime)s" > /dev/ttyS0
sync
busybox poweroff -f 2>/dev/null
echo o > /proc/sysrq-trigger
sleep 10
EOF

# ---- boot --------------------------------------------------------------------
CMDLINE="console=ttyS0 rdinit=/init panic=-1 loglevel=4 ${KW_VM_CMDLINE:-}"
start=$(date +%s.%N)
trap - ERR
set +e
timeout --foreground -k 5 "$TIMEOUT" "$QEMU" "${ACCEL[@]}" -M q35 -smp "$CPUS" -m "$MEM" \
  -nodefaults -no-user-config -display none -no-reboot -nic none \
  -kernel "$KERNEL" -initrd "$WORK/initramfs.cpio" -append "$CMDLINE" \
  -fsdev local,id=fs0,path=/,security_model=none,readonly=on,multidevs=remap \
  -device virtio-9p-pci,fsdev=fs0,mount_tag=hostroot \
  -fsdev local,id=fs1,path="$X",security_model=none,multidevs=remap \
  -device virtio-9p-pci,fsdev=fs1,mount_tag=kwout \
  -fsdev local,id=fs2,path="${CWD//,/,,}",security_model=none,multidevs=remap \
  -device virtio-9p-pci,fsdev=fs2,mount_tag=kwcwd \
  -serial file:"$WORK/console.log" \
  -chardev stdio,id=out,signal=off -serial chardev:out \
  < /dev/null
qrc=$?
set -e
end=$(date +%s.%N)
secs=$(awk -v a="$start" -v b="$end" 'BEGIN{printf "%.1f", b-a}')
if [ -s "$X/rc" ]; then
  rc=$(cat "$X/rc")
  echo "run-in-kernel: $KVER: exit $rc, $secs s in all ($(grep -o 'up after [0-9.]*s' "$WORK/console.log" | head -1))" >&2
  exit "$rc"
fi
if [ "$qrc" = 124 ]; then
  echo "run-in-kernel: $KVER: timed out after ${TIMEOUT}s" >&2; KW_VM_KEEP=1; exit 124
fi
echo "run-in-kernel: $KVER: the guest reported no exit status (qemu exit $qrc); last kernel log lines:" >&2
tail -n 30 "$WORK/console.log" >&2
KW_VM_KEEP=1
exit 125
