#!/usr/bin/env bash
# `make image`: the container image the DaemonSet runs, from Debian's archive
# alone. mmdebstrap makes a Debian 12 root with only what kernwatch needs at
# run time (the essential set, then the .deb from `make deb` and its
# dependencies; no apt, no docs), buildah makes it an image (no registry is
# pulled from), tagged as deploy/kubernetes/kernwatch.yaml names it.
# Push with: podman push ghcr.io/kernwatch/kernwatch:VERSION
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p "require('./package.json').version")
deb="out/kernwatch_${version}_amd64.deb"
[[ -f "$deb" ]] || { echo "build-image: no $deb (make deb)" >&2; exit 1; }
image="ghcr.io/kernwatch/kernwatch:$version"
rootfs=out/image-rootfs.tar

# what a DaemonSet never reads: docs, man pages, locales (copyright files stay, as Debian requires)
mmdebstrap --quiet --variant=essential \
  --include=libbpf1,libstdc++6,libgcc-s1,procps,ca-certificates \
  --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/locale/*' --dpkgopt='path-exclude=/usr/share/info/*' \
  --customize-hook="copy-in $deb /tmp" \
  --customize-hook="chroot \"\$1\" dpkg -i /tmp/$(basename "$deb")" \
  --customize-hook='rm -f "$1"/tmp/*.deb "$1"/var/cache/apt/*.bin "$1"/var/log/*.log' \
  bookworm "$rootfs" http://deb.debian.org/debian

# the image this tag named before, dropped once the tag moves (rebuilds would pile up otherwise)
previous=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
ctr=$(buildah from scratch)
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true' EXIT
buildah add --quiet "$ctr" "$rootfs" / >/dev/null
buildah config \
  --entrypoint '["/usr/bin/kernwatch"]' --cmd 'run --config /etc/kernwatch/kernwatch.yaml' \
  --env STATE_DIRECTORY=/var/lib/kernwatch --workingdir / \
  --label org.opencontainers.image.title=kernwatch --label "org.opencontainers.image.version=$version" \
  --label org.opencontainers.image.source=https://github.com/kernwatch/kernwatch \
  "$ctr"
buildah commit --quiet --rm "$ctr" "$image" >/dev/null
trap - EXIT
rm -f "$rootfs"
if [[ -n "$previous" && "$previous" != "$(podman image inspect --format '{{.Id}}' "$image")" ]]; then
  podman image rm "$previous" >/dev/null 2>&1 || true
fi
echo "build-image: $image ($(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MiB", $1 / 1048576 }'))"
