#!/bin/bash
# The Debian package in the fresh Debian 12 guest scripts/test-install-guest.sh
# boots, run as a systemd service once the system is up: what an operator
# does with it, each step checked. Exit status 0 means every step held; the
# first failure prints kernwatch's journal and exits 1.
. "$(dirname "$0")/guest-lib.sh"
kernwatch_log() { journalctl -u kernwatch --no-pager -o cat -n "$1"; }

step "Debian $(cat /etc/debian_version), kernel $(uname -r), PID 1 is $(ps -o comm= -p 1) ($(systemctl --version | head -n 1))"
[[ "$(ps -o comm= -p 1)" == systemd ]] || fail "PID 1 is not systemd"
echo "system state: $(systemctl is-system-running --wait || true)"

step "apt install ./$(basename "$DEB")"
install_started=$SECONDS
apt-get install -y -q "$DEB" | tail -n 2
[[ "$(systemctl is-enabled kernwatch)" == enabled ]] || fail "the package did not enable kernwatch.service"
systemctl is-active --quiet kernwatch || fail "the package did not start kernwatch.service"

step "a config with a webhook notifier and a rule for it; systemctl enable --now"
receiver_config /etc/kernwatch/kernwatch.yaml rules.d/ 9469
cat > /etc/kernwatch/rules.d/guest.rules <<'EOF'
rule "guest-oom" {
  when oom.victim and cgroup matches "/system.slice/kw-hog-*.service" by cgroup
  severity critical
  then receiver
}
EOF
kernwatch rules check --config /etc/kernwatch/kernwatch.yaml /etc/kernwatch/rules.d
systemctl enable --now kernwatch
# the package started it with its own config; the new config needs a restart
systemctl restart kernwatch
wait_until 600 "kernwatch ready after a restart" ready 9469
systemctl show kernwatch -p MainPID -p ActiveState -p SubState

step "an OOM kill in a unit with a memory limit -> the alert arrives"
oom_in_unit kw-hog-1
wait_until 120 "kw-hog-1 OOM-killed" oom_killed kw-hog-1
wait_until 120 "the guest-oom alert for kw-hog-1 at the receiver" received guest-oom kw-hog-1.service
echo "install to first alert: $((SECONDS - install_started)) s (emulated)"

step "every event runs with the unit's two capabilities"
metrics=$(http_get 127.0.0.1 9469 /metrics) || fail "no /metrics"
echo "events available: $(grep -c '^kernwatch_event_available{.*} 1$' <<< "$metrics") of $(grep -c '^kernwatch_event_available{' <<< "$metrics")"
grep '^kernwatch_event_available{.*} 0$' <<< "$metrics" || true
# the classic tracepoint is refused here (Debian's perf_event_paranoid=3 wants
# CAP_SYS_ADMIN); its BTF twin runs, and the OOM above drained pages through it
grep -qx 'kernwatch_event_available{event="mem.pcpu_drain"} 1' <<< "$metrics" || fail "mem.pcpu_drain does not run under the unit"
drains=$(sed -n 's/^kernwatch_kernel_events_seen_total{event="mem.pcpu_drain"} //p' <<< "$metrics")
echo "mem.pcpu_drain seen: ${drains:-none}"
((${drains:-0} > 0)) || fail "no per-CPU page drain seen during the OOM"
journalctl -u kernwatch -o cat --no-pager | grep -F 'runs with less detail' | tail -n 1 | cut -c1-400

step "a rule change, systemctl reload -> the new rule fires"
cat >> /etc/kernwatch/rules.d/guest.rules <<'EOF'

rule "guest-oom-after-reload" {
  when oom.victim and cgroup matches "/system.slice/kw-reloaded-*.service"
  then receiver
}
EOF
systemctl reload kernwatch
hup_logged() { journalctl -u kernwatch -o cat --no-pager | grep -F '"reason":"SIGHUP"' | grep -qF '"msg":"rule set'; }
wait_until 300 "a SIGHUP reload in the journal" hup_logged
journalctl -u kernwatch -o cat --no-pager | grep -F '"msg":"rule set reloaded"' | tail -n 1
oom_in_unit kw-reloaded-1
wait_until 120 "kw-reloaded-1 OOM-killed" oom_killed kw-reloaded-1
wait_until 120 "the reloaded rule's alert" received guest-oom-after-reload kw-reloaded-1.service

step "journalctl -u kernwatch: the JSON log"
journalctl -u kernwatch -o cat --no-pager | grep '^{' | /usr/lib/kernwatch/node -e '
  const lines = require("fs").readFileSync(0, "utf8").trim().split("\n");
  const records = lines.map((l) => JSON.parse(l)).filter((r) => typeof r.level === "string" && typeof r.msg === "string");
  const msgs = new Set(records.map((r) => r.msg));
  console.log(`${records.length} JSON log records, e.g. ${[...msgs].slice(0, 4).map((m) => JSON.stringify(m)).join(", ")}`);
  process.exit(records.length >= 3 && msgs.has("rule set reloaded") ? 0 : 1);' || fail "no JSON log in the journal"

step "systemctl stop while a delivery is in flight -> it is delivered, exit 0"
http_get "$receiver" "$RECEIVER_PORT" '/delay?ms=4000' >/dev/null
oom_in_unit kw-hog-2
wait_until 120 "the kw-hog-2 alert in flight" received guest-oom kw-hog-2.service
stop_started=$SECONDS
systemctl stop kernwatch
echo "stopped in $((SECONDS - stop_started)) s: $(systemctl show kernwatch -p Result -p ExecMainStatus | tr '\n' ' ')"
[[ "$(systemctl show kernwatch -p Result --value)" == success ]] || fail "kernwatch did not stop cleanly"
[[ "$(systemctl show kernwatch -p ExecMainStatus --value)" == 0 ]] || fail "kernwatch exited non-zero"
sent=$(alerts | wc -l)
answered=$(http_get "$receiver" "$RECEIVER_PORT" /answered)
echo "receiver: $sent POSTs, $answered answered to a connected sender"
((answered == sent)) || fail "a delivery was abandoned at stop ($answered of $sent answered)"
[[ -s /var/lib/kernwatch/alerts.json ]] || fail "no alert state saved at stop"
http_get "$receiver" "$RECEIVER_PORT" '/delay?ms=0' >/dev/null

step "apt purge leaves nothing behind but the operator's own rule file"
apt-get purge -y -q kernwatch 2>&1 | tail -n 2
left=$(find /etc/kernwatch /var/lib/kernwatch /usr/lib/kernwatch /usr/bin/kernwatch /lib/systemd/system/kernwatch.service \
  /etc/systemd/system/multi-user.target.wants/kernwatch.service ! -type d 2>/dev/null || true)
# dpkg removes what it installed, conffiles included; a file the operator
# made is theirs (dpkg says so: "directory not empty so not removed")
[[ "$left" == /etc/kernwatch/rules.d/guest.rules ]] || fail "left after purge: [${left}] (expected only the rule file the test made)"
systemctl cat kernwatch >/dev/null 2>&1 && fail "systemd still knows kernwatch.service"
pgrep -f /usr/lib/kernwatch >/dev/null && fail "a kernwatch process outlived the purge"
step "ok"
