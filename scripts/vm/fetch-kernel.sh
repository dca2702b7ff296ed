#!/usr/bin/env bash
# fetch-kernel.sh SERIES: downloads the newest Debian kernel of SERIES from
# Debian's archive and unpacks it (image and modules, not installed) under
# .cache/kernels/VERSION, then prints VERSION. A second run with the kernel
# already unpacked costs one apt index refresh at most once a day.
#
#   SERIES    suite(s)                           users who run it
#   5.10      bullseye, bullseye-security        Debian 11
#   6.1       bookworm, bookworm-security        Debian 12's own kernel
#   6.12      bookworm-backports                 Debian 12 backports, Debian 13
#   sid       sid (newest upstream release)      Debian unstable
#
# The host's apt sources are not touched: a private apt configuration (its
# own sources list, index and cache under .cache/kernels/apt) is used.
# KW_KERNEL_CACHE moves the cache; KW_KERNEL_VERSION_<series> (dots as _)
# pins a version instead of the newest, e.g. KW_KERNEL_VERSION_6_1=6.1.0-50-amd64.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh 5.10|6.1|6.12|sid}
root=$(cd "$(dirname "$0")/../.." && pwd)
cache=${KW_KERNEL_CACHE:-$root/.cache/kernels}
archive=http://deb.debian.org/debian
security=http://deb.debian.org/debian-security
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

case "$series" in
  5.10) suites=("$archive bullseye" "$security bullseye-security"); pattern='5\.10\.0-[0-9]+-amd64' ;;
  6.1) suites=("$archive bookworm" "$security bookworm-security"); pattern='6\.1\.0-[0-9]+-amd64' ;;
  6.12) suites=("$archive bookworm-backports"); pattern='6\.12\.[0-9]+\+deb12(\.[0-9]+)?-amd64' ;;
  sid) suites=("$archive sid"); pattern='[0-9]+\.[0-9]+\.[0-9]+\+deb[0-9]+-amd64' ;;
  *) echo "fetch-kernel: unknown series '$series' (5.10, 6.1, 6.12 or sid)" >&2; exit 2 ;;
esac

apt_dir=$cache/apt/$series
mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
for s in "${suites[@]}"; do echo "deb [signed-by=$keyring] $s main"; done > "$apt_dir/sources.list"
apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives"
  -o APT::Architecture=amd64 -o Debug::NoLocking=1 -o APT::Sandbox::User=root -qq)

pin_var=KW_KERNEL_VERSION_${series//./_}
version=${!pin_var:-}
refresh_index() {
  # at most daily: kernels are replaced in the archive, so an old index
  # names packages that are gone
  if [ -z "$(find "$apt_dir/lists" -name '*Packages*' -mtime -1 2>/dev/null | head -1)" ]; then
    apt-get "${apt_opts[@]}" update >&2
  fi
}
if [ -z "$version" ]; then
  refresh_index
  version=$(apt-cache "${apt_opts[@]}" pkgnames linux-image- | sed -n 's/^linux-image-//p' \
    | grep -xE "$pattern" | sort -V | tail -1)
  [ -n "$version" ] || { echo "fetch-kernel: no linux-image matching $pattern in ${suites[*]}" >&2; exit 1; }
fi

dest=$cache/$version
if [ ! -e "$dest/.complete" ]; then
  rm -rf "$dest" && mkdir -p "$dest"
  refresh_index
  # since 6.17 the image package is a stub that depends on these two
  pkgs=("linux-image-$version")
  for extra in "linux-binary-$version" "linux-modules-$version"; do
    apt-cache "${apt_opts[@]}" show "$extra" >/dev/null 2>&1 && pkgs+=("$extra")
  done
  echo "fetch-kernel: downloading ${pkgs[*]}" >&2
  (cd "$apt_dir/archives" && apt-get "${apt_opts[@]}" download "${pkgs[@]}" >&2)
  for p in "${pkgs[@]}"; do dpkg-deb -x "$apt_dir/archives/${p}_"*.deb "$dest"; done
  rm -f "$apt_dir/archives/"*.deb
  moddir=$dest/lib/modules/$version
  [ -d "$moddir" ] || moddir=$dest/usr/lib/modules/$version
  mkdir -p "$dest/depbase/lib/modules" && ln -sfn "$moddir" "$dest/depbase/lib/modules/$version"
  depmod -b "$dest/depbase" "$version"
  touch "$dest/.complete"
fi
echo "$version"
