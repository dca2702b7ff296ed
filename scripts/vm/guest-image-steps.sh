#!/bin/bash
# The container image in the fresh Debian 12 guest scripts/test-install-guest.sh
# boots: `podman run` with the DaemonSet's securityContext and mounts
# (deploy/kubernetes/kernwatch.yaml), an OOM on the host, the alert at the
# host's receiver, then a stop that exits 0. Exit status 0 means every step
# held; the first failure prints the container's log and exits 1.
#
# The one difference from the DaemonSet: --network=host. A pod has a network
# of its own; here that would need a CNI setup this test is not about, and
# the agent's BPF, cgroup and capability needs are the same either way.
. "$(dirname "$0")/guest-lib.sh"
kernwatch_log() { podman logs --tail "$1" kernwatch 2>&1; }

step "podman load the image ($(du -m "$IMAGE_ARCHIVE" | cut -f1) MiB)"
podman load -q -i "$IMAGE_ARCHIVE"
podman image exists "$IMAGE" || fail "no $IMAGE after loading"

pod=/root/kw/pod
mkdir -p "$pod/config" "$pod/rules" /var/lib/kernwatch
receiver_config "$pod/config/kernwatch.yaml" /etc/kernwatch/rules/ 9470 'state_dir: /var/lib/kernwatch'
cat > "$pod/rules/oom.rules" <<'RULES'
rule "pod-oom" {
  when oom.victim and cgroup matches "/system.slice/kw-pod-hog-*.service" by cgroup
  severity critical
  then receiver
}
RULES

# podman run with the DaemonSet's securityContext; extra podman options first
run_as_daemonset() {
  podman run -d --name kernwatch "$@" \
    --user 0 --cap-drop=ALL --cap-add=BPF,PERFMON --security-opt=no-new-privileges --read-only \
    --network=host \
    -v "$pod/config:/etc/kernwatch/config:ro" -v "$pod/rules:/etc/kernwatch/rules:ro" \
    -v /var/lib/kernwatch:/var/lib/kernwatch \
    -v /sys/fs/cgroup:/sys/fs/cgroup:ro -v /sys/kernel/tracing:/sys/kernel/tracing:ro \
    "$IMAGE" run --config /etc/kernwatch/config/kernwatch.yaml --watch --host "$(hostname)" >/dev/null
}
running() { [[ "$(podman inspect kernwatch --format '{{.State.Running}}')" == true ]]; }
# ready, or the container is gone (then waiting longer is pointless)
ready_or_exited() { ready 9470 || ! running; }

step "podman run as the DaemonSet (seccomp RuntimeDefault): uid 0, only CAP_BPF and CAP_PERFMON, read-only root, the host's cgroup tree and tracefs read-only"
run_as_daemonset
echo "capabilities in the container: $(podman exec kernwatch grep CapEff /proc/1/status 2>/dev/null || echo '(it has exited)')"
wait_until 600 "the container ready or exited" ready_or_exited
if ! running; then
  # podman's default seccomp profile (containers-common 0.50 in Debian 12)
  # allows bpf(2) only with CAP_SYS_ADMIN; the DaemonSet says so, and says
  # to use `seccompProfile: Unconfined` with such runtimes. kernwatch must
  # have said so in one line and exited 2, not crashed.
  status=$(podman inspect kernwatch --format '{{.State.ExitCode}}')
  said=$(podman logs kernwatch 2>&1 | sed -n 1p)
  echo "exited $status: $said"
  [[ "$status" == 2 && "$said" == *"seccomp"* ]] || fail "the refused container did not say why in one line and exit 2"
  podman rm kernwatch >/dev/null
  step "podman run as the DaemonSet with seccompProfile Unconfined, as it says for such runtimes"
  run_as_daemonset --security-opt seccomp=unconfined
  wait_until 600 "the container ready" ready 9470
fi

step "an OOM on the host -> the alert arrives"
oom_in_unit kw-pod-hog-1
wait_until 120 "kw-pod-hog-1 OOM-killed" oom_killed kw-pod-hog-1
wait_until 120 "the pod-oom alert for kw-pod-hog-1 at the receiver" received pod-oom /system.slice/kw-pod-hog-1.service

step "podman stop: SIGTERM, flushed, exit 0"
podman stop -t 30 kernwatch >/dev/null
status=$(podman inspect kernwatch --format '{{.State.ExitCode}}')
kernwatch_log 1
[[ "$status" == 0 ]] || fail "the container exited $status"
podman rm kernwatch >/dev/null
step "ok"
