#!/usr/bin/env bash
# The image from `make image`, checked as far as this machine allows: its
# root file system (podman image mount) runs kernwatch on this host's
# kernel, loading every event's program, in a chroot. What is not checked
# here: `podman run` with the DaemonSet's capabilities, which this sandbox
# refuses before the container starts (crun and runc fail to set rlimits:
# "OCI permission denied"); on a host that runs containers, run
#   podman run --rm --cap-drop=ALL --cap-add=BPF,PERFMON --pid=host \
#     -v /sys:/sys:ro -v /sys/kernel/tracing:/sys/kernel/tracing IMAGE events
set -euo pipefail
cd "$(dirname "$0")/.."
version=$(node -p "require('./package.json').version")
image="ghcr.io/kernwatch/kernwatch:$version"
root=$(podman image mount "$image")
mounts=()
cleanup() {
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do umount -l "${mounts[$i]}" 2>/dev/null || true; done
  podman image unmount "$image" >/dev/null 2>&1 || true
}
trap cleanup EXIT
for m in proc sys dev; do
  mount --rbind "/$m" "$root/$m"
  mount --make-rslave "$root/$m"
  mounts+=("$root/$m")
done
in_image() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root "$@"; }
entrypoint=$(podman image inspect --format '{{json .Config.Entrypoint}} {{json .Config.Cmd}}' "$image")
echo "== test-image: $image, entrypoint $entrypoint, $(podman image inspect --format '{{.Size}}' "$image" | awk '{ printf "%.0f MiB", $1 / 1048576 }')"
[[ "$entrypoint" == '["/usr/bin/kernwatch"] ["run","--config","/etc/kernwatch/kernwatch.yaml"]' ]] || { echo "test-image: unexpected entrypoint" >&2; exit 1; }
in_image kernwatch version
in_image kernwatch rules check --config /etc/kernwatch/kernwatch.yaml /etc/kernwatch/rules.d
in_image kernwatch events --json | in_image /usr/lib/kernwatch/node -e '
  const events = JSON.parse(require("fs").readFileSync(0, "utf8"));
  const off = events.filter((e) => e.available !== true);
  console.log(`${events.length - off.length} of ${events.length} events load on this kernel from the image`);
  process.exit(events.length === 21 && off.length < events.length ? 0 : 1);'
grep -q "image: $image" deploy/kubernetes/kernwatch.yaml || { echo "test-image: the DaemonSet does not name $image" >&2; exit 1; }
echo "== test-image: ok"
