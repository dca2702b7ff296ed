#!/usr/bin/env bash
# The Debian package, installed as a user would: a fresh Debian 12 made by
# mmdebstrap from Debian's archive alone, `apt install ./kernwatch_*.deb`
# resolving its dependencies there, then the installed kernwatch run inside
# it on this host's kernel (a chroot shares the kernel, so BPF loads for
# real), an upgrade that must keep the config and the outbox, and a purge
# that must leave nothing behind. The unit is checked with systemd-analyze.
#
# What this does not prove: the service under systemd as PID 1 (a chroot has
# no init); docs/operator.md says what is and is not tested.
set -euo pipefail
cd "$(dirname "$0")/.."

deb=$(ls out/kernwatch_*_amd64.deb 2>/dev/null | tail -n 1)
[[ -n "$deb" ]] || { echo "test-package: no out/kernwatch_*_amd64.deb (make deb)" >&2; exit 1; }
# what every Debian 12 install has: apt, and systemd as init
cache=.cache/bookworm-systemd.tar
if [[ ! -f "$cache" ]]; then
  mkdir -p .cache
  echo "test-package: a fresh Debian 12 from deb.debian.org (mmdebstrap, once)"
  mmdebstrap --quiet --variant=apt --include=ca-certificates,systemd-sysv bookworm "${cache%.tar}.tmp.tar" http://deb.debian.org/debian
  mv "${cache%.tar}.tmp.tar" "$cache"
fi

root=$(mktemp -d /tmp/kw-bookworm-XXXXXX)
mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
  rm -rf --one-file-system "$root"
}
trap cleanup EXIT
tar -C "$root" -xf "$cache"
for m in proc sys dev; do
  mount --rbind "/$m" "$root/$m"
  mount --make-rslave "$root/$m"
  mounts+=("$root/$m")
done
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp "$deb" "$root/tmp/"
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"; }
step() { echo "== test-package: $*"; }
fail() { echo "test-package: FAILED: $*" >&2; exit 1; }

step "make install PREFIX=... (from source, with this machine's Node)"
prefix="$root/opt/from-source"
make --no-print-directory install PREFIX="$prefix" >/dev/null
"$prefix/bin/kernwatch" version
"$prefix/bin/kernwatch" rules check --config "$prefix/etc/kernwatch/kernwatch.yaml" "$prefix/etc/kernwatch/rules.d"
grep -q "^ExecStart=$prefix/bin/kernwatch run --config $prefix/etc/kernwatch/kernwatch.yaml" "$prefix/lib/systemd/system/kernwatch.service" || fail "the unit does not point at the install"
rm -rf "$prefix"

step "apt install ./$(basename "$deb") on a fresh Debian 12"
started=$(date +%s.%N)
in_root apt-get update -qq
in_root apt-get install -y -qq "/tmp/$(basename "$deb")" >/dev/null
echo "installed in $(echo "$(date +%s.%N) - $started" | bc) s; dependencies: $(dpkg-deb -f "$deb" Depends)"
[[ -x "$root/usr/bin/kernwatch" ]] || fail "no /usr/bin/kernwatch"
in_root node --version >/dev/null 2>&1 && fail "the package must not put a node on PATH"

step "kernwatch runs on Debian 12's userland, with its own Node"
in_root kernwatch version
in_root kernwatch rules check --config /etc/kernwatch/kernwatch.yaml /etc/kernwatch/rules.d
[[ -f "$root/usr/share/man/man1/kernwatch.1.gz" ]] || fail "no man page"
in_root kernwatch events --json | in_root /usr/lib/kernwatch/node -e '
  const events = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const off = events.filter((e) => e.available !== true);
  console.log(`${events.length - off.length} of ${events.length} events load on this kernel`);
  process.exit(events.length === 21 && off.length < events.length ? 0 : 1);'
in_root kernwatch rules test /etc/kernwatch/rules.d --duration 2s | tail -n 3

step "conffiles and the state directory survive an upgrade"
for f in kernwatch.yaml rules.d/prod_oom.rules; do
  grep -qx "/etc/kernwatch/$f" "$root/var/lib/dpkg/info/kernwatch.conffiles" || fail "/etc/kernwatch/$f is not a conffile"
done
echo "# changed by the operator" >> "$root/etc/kernwatch/kernwatch.yaml"
mkdir -p "$root/var/lib/kernwatch/outbox/oncall"
echo '{}' > "$root/var/lib/kernwatch/outbox/oncall/pending.json"
in_root apt-get install -y -qq --reinstall -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "/tmp/$(basename "$deb")" >/dev/null
grep -q "changed by the operator" "$root/etc/kernwatch/kernwatch.yaml" || fail "the upgrade replaced the operator's config"
[[ -f "$root/var/lib/kernwatch/outbox/oncall/pending.json" ]] || fail "the upgrade lost the outbox"

step "the unit, as installed"
verify=$(systemd-analyze verify --root="$root" /lib/systemd/system/kernwatch.service 2>&1 || true)
[[ -z "$verify" ]] || fail "systemd-analyze verify: $verify"
[[ -L "$root/etc/systemd/system/multi-user.target.wants/kernwatch.service" ]] || fail "the unit is not enabled"
systemd-analyze security --offline=true --root="$root" kernwatch.service 2>/dev/null | tail -n 1 || true

step "apt purge leaves nothing behind"
in_root apt-get purge -y -qq kernwatch >/dev/null
left=$(cd "$root" && ls -d etc/kernwatch var/lib/kernwatch usr/lib/kernwatch usr/bin/kernwatch etc/systemd/system/multi-user.target.wants/kernwatch.service 2>/dev/null || true)
[[ -z "$left" ]] || fail "left after purge: $left"
step "ok"
