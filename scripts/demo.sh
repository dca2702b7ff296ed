#!/usr/bin/env bash
# The main job of `make demo`: a live dry-run of the rule library in rules/
# on this host, as written, scoped to cgroups the demo makes for itself
# (`rules test --scope`): the rules see the demo's cgroup as `/`, so
# "/prod/**" is the demo's own /prod, and nothing anyone else runs on this
# host shows up. The demo then makes things happen there, says what it does
# and what should fire, and ends with what fired. Nothing is sent anywhere.
# Everything it creates it removes, even when interrupted.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "make demo loads BPF programs and makes cgroups: run it as root" >&2
  exit 2
fi

v2_root=/sys/fs/cgroup/unified
[[ -f /sys/fs/cgroup/cgroup.controllers ]] && v2_root=/sys/fs/cgroup
name="kernwatch-demo-$$"
scope="$v2_root/$name"
v1_memory=""
self_memcg=$(sed -n 's/^[0-9]*:memory:\(.*\)$/\1/p' /proc/self/cgroup)
if [[ -n "$self_memcg" && -d /sys/fs/cgroup/memory ]]; then
  v1_memory="/sys/fs/cgroup/memory${self_memcg%/}/$name"
fi
out=$(mktemp)
log=$(mktemp)
test_pid=""

if [[ -t 1 ]]; then
  say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
  say() { printf '\n== %s\n' "$*"; }
fi

# every process in a cgroup directory and below it
procs_in() { find "$1" -name cgroup.procs -exec cat {} + 2>/dev/null || true; }

remove_tree() {
  local root=$1
  [[ -d "$root" ]] || return 0
  find "$root" -name cgroup.freeze -exec sh -c 'echo 0 > "$1"' _ {} \; 2>/dev/null || true
  for pid in $(procs_in "$root"); do kill -9 "$pid" 2>/dev/null || true; done
  for _ in $(seq 50); do
    find "$root" -depth -type d -exec rmdir {} \; 2>/dev/null || true
    [[ -d "$root" ]] || return 0
    sleep 0.1
  done
  echo "demo: could not remove $root" >&2
}

cleanup() {
  [[ -n "$test_pid" ]] && kill -INT "$test_pid" 2>/dev/null && wait "$test_pid" 2>/dev/null || true
  remove_tree "$scope"
  [[ -n "$v1_memory" ]] && remove_tree "$v1_memory"
  rm -f "$out" "$log"
}
trap cleanup EXIT

# A cgroup of the demo, with a 32 MiB memory limit: in the v1 memory
# hierarchy where the host has one (the task's v2 cgroup still says where it
# runs), else in v2. Prints the directories a task must join, one per line.
limited_cgroup() {
  local rel=$1
  mkdir -p "$scope/$rel"
  echo "$scope/$rel"
  if [[ -n "$v1_memory" ]]; then
    mkdir -p "$v1_memory/$rel"
    echo 32M > "$v1_memory/$rel/memory.limit_in_bytes"
    echo "$v1_memory/$rel"
  else
    echo 32M > "$scope/$rel/memory.max"
    [[ -f "$scope/$rel/memory.swap.max" ]] && echo 0 > "$scope/$rel/memory.swap.max"
  fi
}

# A 128 MiB allocation in a 32 MiB cgroup: the kernel's OOM killer picks it.
oom_in() {
  local joins=""
  for dir in "$@"; do joins+="echo \$\$ > '$dir/cgroup.procs'; "; done
  # not exec'd: the inner shell, whose stderr goes nowhere, is the one that says "Killed"
  bash -c "$joins python3 -c 'b = bytearray(128 << 20)'; true" 2>/dev/null || true
}

say "Making the demo's cgroups under $scope"
mkdir "$scope"
can_oom=true
if [[ -z "$v1_memory" ]]; then
  if grep -qw memory "$v2_root/cgroup.subtree_control" 2>/dev/null; then
    echo +memory > "$scope/cgroup.subtree_control"
    mkdir -p "$scope/prod" "$scope/batch"
    echo +memory > "$scope/prod/cgroup.subtree_control"
    echo +memory > "$scope/batch/cgroup.subtree_control"
  else
    can_oom=false
    echo "This host's cgroup v2 root does not delegate the memory controller: the OOM steps are skipped."
  fi
fi
mkdir -p "$scope/jobs"
$can_oom && mapfile -t api < <(limited_cgroup prod/api)
$can_oom && mapfile -t nightly < <(limited_cgroup batch/nightly)
echo "The rules in rules/ will see $scope as /, so /prod/api below is $scope/prod/api."

say "Starting: kernwatch rules test rules/ --scope /$name"
./bin/kernwatch rules test rules/ --scope "/$name" --duration 60s > "$out" 2> >(tee "$log" >&2) &
test_pid=$!
# the steps start once the rules are live: 0.5 s here, longer in an emulated guest
for _ in $(seq 1200); do
  grep -q 'kernwatch: testing' "$log" && break
  kill -0 "$test_pid" 2>/dev/null || break
  sleep 0.1
done

if $can_oom; then
  say "1. A service in /prod/api allocates 128 MiB with a 32 MiB limit"
  echo "   The OOM killer picks it. Expect prod-oom (critical, one alert per cgroup, by cgroup),"
  echo "   and killed-after-start as well: the OOM killer's SIGKILL comes a tenth of a second after the start."
  oom_in "${api[@]}"
  say "2. A nightly batch job in /batch/nightly does the same"
  echo "   Not production: expect the catch-all rule prod_oom/oom.victim (warning), not a page"
  echo "   (and killed-after-start again)."
  oom_in "${nightly[@]}"
fi

say "3. A process in /jobs is SIGKILLed 0.3 s after it starts"
echo "   A crash loop looks like this. Expect killed-after-start (decided in the kernel: signal 9, last thread, age < 2s)."
bash -c "echo \$\$ > '$scope/jobs/cgroup.procs'; sleep 30 & p=\$!; sleep 0.3; kill -9 \$p; wait \$p 2>/dev/null; true"

say "4. /jobs is frozen for one second, then thawed"
echo "   cgroup-frozen-too-long waits 5 minutes before it pages: expect nothing."
echo 1 > "$scope/jobs/cgroup.freeze"
sleep 1
echo 0 > "$scope/jobs/cgroup.freeze"

sleep 2
kill -INT "$test_pid"
wait "$test_pid" || true
test_pid=""

say "What would have been sent (kernwatch rules test's report)"
cat "$out"

say "Next steps"
cat <<'EOF'
  kernwatch rules explain rules/                  what each rule costs and where it is decided (kernel or userspace)
  kernwatch rules test rules/ --replay rules/tests/prod_oom.events.jsonl --expect rules/tests/prod_oom.expect.yaml
                                                  replay a recording, no root needed; how rules/ is tested
  kernwatch rules test rules/ --duration 5m       the same dry-run on the whole host
  kernwatch run --config kernwatch.example.yaml   the agent: sends to Slack, email, webhooks, Alertmanager
EOF
