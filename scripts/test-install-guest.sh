#!/usr/bin/env bash
# The package and the image as users install them, on a fresh Debian 12 made
# by mmdebstrap from Debian's archive alone, with Debian 12's own kernel and
# initramfs, booted in a QEMU guest from an ext4 disk with systemd as PID 1.
# Inside, as a service once the system is up:
#   scripts/vm/guest-package-steps.sh: what an operator does with the .deb
#     (apt install, a webhook notifier, systemctl enable --now, an OOM, a rule
#     change and systemctl reload, journalctl, systemctl stop with a delivery
#     in flight, apt purge);
#   scripts/vm/guest-image-steps.sh: `podman run` of the image as the
#     DaemonSet runs it, an OOM, the alert.
# The webhook receiver runs here, on the host, reached through QEMU's user
# network.
#
# Why a QEMU guest and not systemd-nspawn: the unit's hardening and the
# image's capabilities meet Debian 12's own kernel only there (its
# perf_event_paranoid=3 patch refuses what an upstream kernel allows), the
# OOM needs a cgroup tree the guest's systemd owns, and the sandboxes CI runs
# in refuse nested containers (podman fails there before the container
# starts). The guest boots exactly what a Debian 12 install boots.
#
# The kernwatch package's dependencies are installed in the image, so the
# guest needs no archive: apt resolves them there (scripts/test-package.sh
# checks that apt fetches them from the archive on a fresh system).
#
# Knobs: KW_VM_ACCEL=auto|kvm|tcg  KW_VM_TIMEOUT=1500 (s)  KW_VM_KEEP=1 (keep
# the work directory with the guest's console.log).
set -euo pipefail
cd "$(dirname "$0")/.."

deb=$(ls out/kernwatch_*_amd64.deb 2>/dev/null | tail -n 1)
[[ -n "$deb" ]] || { echo "test-install-guest: no out/kernwatch_*_amd64.deb (make deb)" >&2; exit 1; }
image="ghcr.io/kernwatch/kernwatch:$(node -p "require('./package.json').version")"
podman image exists "$image" || { echo "test-install-guest: no $image (make image)" >&2; exit 1; }
. scripts/vm/qemu-accel.sh

# the guest's packages: a Debian 12 that boots (systemd, udev, Debian's
# kernel with its initramfs, D-Bus as systemd recommends and podman needs),
# podman, and what the package depends on
depends=$(dpkg-deb -f "$deb" Depends | tr ',' '\n' | sed 's/([^)]*)//; s/|.*//; s/ //g' | grep -v '^$' | sort -u | paste -sd, -)
packages="systemd-sysv,udev,dbus,linux-image-amd64,podman,crun,$depends"
cache=.cache/bookworm-guest-$(echo "$packages" | sha256sum | cut -c1-12).tar
if [[ ! -f "$cache" ]]; then
  mkdir -p .cache
  echo "test-install-guest: a bootable Debian 12 from deb.debian.org (mmdebstrap, once): $packages"
  # networkd with QEMU user networking's fixed addresses: no DHCP wait
  mmdebstrap --quiet --variant=apt --include="$packages" \
    --customize-hook='echo kw-debian12 > "$1/etc/hostname"' \
    --customize-hook='printf "[Match]\nName=en*\n\n[Network]\nAddress=10.0.2.15/24\nGateway=10.0.2.2\n" > "$1/etc/systemd/network/10-qemu.network"' \
    --customize-hook='chroot "$1" systemctl enable systemd-networkd' \
    bookworm "${cache%.tar}.tmp.tar" http://deb.debian.org/debian
  mv "${cache%.tar}.tmp.tar" "$cache"
fi

work=$(mktemp -d /tmp/kw-install-guest-XXXXXX)
receiver_pid=
cleanup() {
  [[ -n "$receiver_pid" ]] && kill "$receiver_pid" 2>/dev/null
  if [[ "${KW_VM_KEEP:-0}" == 1 ]]; then echo "test-install-guest: kept $work" >&2; else rm -rf --one-file-system "$work"; fi
}
trap cleanup EXIT

node scripts/vm/webhook-receiver.mjs "$work/port" "$work/alerts.jsonl" &
receiver_pid=$!
for _ in $(seq 50); do [[ -s "$work/port" ]] && break; sleep 0.1; done
[[ -s "$work/port" ]] || { echo "test-install-guest: the webhook receiver did not start" >&2; exit 1; }

# the guest's disk: Debian 12, the package, the image, the steps and a unit that runs them
root=$work/root
mkdir "$root"
tar -C "$root" -xf "$cache"
mkdir -p "$root/root/kw"
cp "$deb" "$root/root/kw/"
podman save -q --format oci-archive -o "$root/root/kw/image.tar" "$image"
cp scripts/vm/guest-lib.sh scripts/vm/guest-package-steps.sh scripts/vm/guest-image-steps.sh "$root/root/kw/"
printf 'RECEIVER_PORT=%s\nDEB=/root/kw/%s\nIMAGE_ARCHIVE=/root/kw/image.tar\nIMAGE=%s\n' \
  "$(cat "$work/port")" "$(basename "$deb")" "$image" > "$root/root/kw/env"
cat > "$root/etc/systemd/system/kw-guest-steps.service" <<'EOF'
[Unit]
Description=kernwatch's install test steps (scripts/test-install-guest.sh)
# after the whole boot, without joining it: the steps wait for it themselves
DefaultDependencies=no
After=multi-user.target network-online.target
Wants=network-online.target

[Service]
Type=simple
ExecStart=/bin/bash -c '/root/kw/guest-package-steps.sh && /root/kw/guest-image-steps.sh; echo "kw-guest-steps: exit $?"'
# the target itself: `systemctl poweroff` asks logind first, which needs the D-Bus this system has not
ExecStopPost=/bin/systemctl start --no-block --job-mode=replace-irreversibly poweroff.target
StandardOutput=tty
StandardError=inherit
TTYPath=/dev/ttyS1

[Install]
WantedBy=multi-user.target
EOF
ln -s /etc/systemd/system/kw-guest-steps.service "$root/etc/systemd/system/multi-user.target.wants/"
kernel=$(ls "$root"/boot/vmlinuz-* | sort -V | tail -n 1)
initrd=$(ls "$root"/boot/initrd.img-* | sort -V | tail -n 1)
cp "$kernel" "$initrd" "$work/"
mkfs.ext4 -q -F -L kwroot -d "$root" "$work/disk.img" 4G
rm -rf --one-file-system "$root"

echo "== test-install-guest: booting Debian 12 ($(basename "$kernel")) with systemd as PID 1, $accel_mode"
started=$(date +%s)
set +e
timeout --foreground -k 5 "${KW_VM_TIMEOUT:-1500}" qemu-system-x86_64 "${ACCEL[@]}" -M q35 -smp 2 -m 2G \
  -nodefaults -no-user-config -display none -no-reboot \
  -kernel "$work/$(basename "$kernel")" -initrd "$work/$(basename "$initrd")" \
  -append "root=/dev/vda rw console=ttyS0 panic=-1 systemd.show_status=0" \
  -drive file="$work/disk.img",if=virtio,format=raw \
  -nic user,model=virtio-net-pci \
  -serial file:"$work/console.log" \
  -chardev stdio,id=out,signal=off -serial chardev:out \
  < /dev/null | tee "$work/steps.log"
qemu_status=${PIPESTATUS[0]}
set -e
echo "== test-install-guest: the guest ran $(($(date +%s) - started)) s (qemu exit $qemu_status)"

fail() {
  echo "test-install-guest: FAILED: $*" >&2
  echo "-- the guest's console, last lines:" >&2
  tail -n 40 "$work/console.log" >&2
  exit 1
}
grep -qx 'kw-guest-steps: exit 0' <(tr -d '\r' < "$work/steps.log") || fail "the steps in the guest did not all pass"
# what the receiver here got, checked on this side too
grep -F '"rule":"guest-oom"' "$work/alerts.jsonl" | grep -qF 'kw-hog-1.service' || fail "no guest-oom alert for kw-hog-1 arrived"
grep -F '"rule":"guest-oom-after-reload"' "$work/alerts.jsonl" | grep -qF 'kw-reloaded-1.service' || fail "no alert from the reloaded rule arrived"
grep -F '"rule":"pod-oom"' "$work/alerts.jsonl" | grep -qF 'kw-pod-hog-1.service' || fail "no alert from the container arrived"
echo "== test-install-guest: ok ($(wc -l < "$work/alerts.jsonl") alerts received)"
