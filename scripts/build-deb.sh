#!/usr/bin/env bash
# `make deb`: the Debian package, built by dpkg-buildpackage from debian/,
# then checked by lintian (every override in debian/kernwatch.lintian-overrides
# says why). The .deb, .buildinfo and .changes land in out/.
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(dpkg-parsechangelog -S Version)
parent=$(dirname "$PWD")
dpkg-buildpackage --build=binary --no-sign >/dev/null
mkdir -p out
for f in "$parent"/kernwatch_"$version"_amd64.{deb,buildinfo,changes} "$parent"/kernwatch-dbgsym_"$version"_amd64.deb; do
  [[ -e "$f" ]] && mv "$f" out/
done
deb="out/kernwatch_${version}_amd64.deb"
echo "build-deb: $deb ($(du -h "$deb" | cut -f1); installed $(dpkg-deb -f "$deb" Installed-Size) KiB)"
lintian --fail-on error,warning --info "$deb"
echo "build-deb: lintian clean"
