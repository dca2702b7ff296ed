# Sourced by the steps scripts/test-install-guest.sh runs in its Debian 12
# guest: how they report, wait, reach the host's webhook receiver (at
# 10.0.2.2:$RECEIVER_PORT through QEMU's user network) and make an OOM.
set -euo pipefail
# shellcheck source=/dev/null
. /root/kw/env # RECEIVER_PORT, DEB, IMAGE_ARCHIVE, IMAGE
export DEBIAN_FRONTEND=noninteractive
receiver=10.0.2.2
started=$SECONDS

step() { echo "== guest ($((SECONDS - started)) s): $*"; }
# what kernwatch said last: the steps define it (the journal, or podman logs)
fail() {
  echo "guest: FAILED: $*"
  kernwatch_log 40 || true
  exit 1
}
# GET over bash's /dev/tcp (nothing to install): the body on stdout
http_get() { # HOST PORT PATH
  local reply
  exec 3<>"/dev/tcp/$1/$2" || return 1
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$3" "$1" >&3
  reply=$(timeout 20 cat <&3) || true
  exec 3<&-
  [[ "$reply" == "HTTP/1."?" 200"* ]] || return 1
  printf '%s\n' "${reply#*$'\r\n\r\n'}"
}
alerts() { http_get "$receiver" "$RECEIVER_PORT" /alerts; }
received() { alerts | grep -F "\"rule\":\"$1\"" | grep -qF "$2"; } # RULE TEXT
ready() { http_get 127.0.0.1 "$1" /-/ready >/dev/null 2>&1; } # METRICS_PORT
wait_until() { # SECONDS WHAT COMMAND...
  local limit=$1 what=$2 waited=0
  shift 2
  until "$@"; do
    ((waited < limit)) || fail "$what: not within $limit s"
    sleep 1
    # what kernwatch is doing, every 30 s of waiting
    ((++waited % 30 == 0)) && echo "  waiting for $what: $(kernwatch_log 1 | cut -c1-160)"
  done
  return 0
}
# A kernwatch.yaml whose rules page the host's receiver: FILE RULES_PATH METRICS_PORT [MORE_YAML]
receiver_config() {
  cat > "$1" <<EOF
rules: [$2]
metrics:
  listen: 127.0.0.1:$3
notifiers:
  receiver:
    type: webhook
    url: http://$receiver:$RECEIVER_PORT/alerts
    secret: a-guest-test-secret-of-some-length
self_alerts:
  notify: [stdout]
${4:-}
EOF
}
# a process that grows until its unit's memory limit OOM-kills it
oom_in_unit() { systemd-run --quiet --unit="$1" -p MemoryMax=32M -p MemorySwapMax=0 tail /dev/zero; }
oom_killed() { [[ "$(systemctl show "$1" -p Result --value)" == oom-kill ]]; }
