#!/usr/bin/env bash
# Runs inside a guest (scripts/vm/run-in-kernel.sh): what "kernwatch works on
# this kernel" means. 1. every catalog event whose tracepoint the kernel has
# loads and attaches; 2. a trigger run shows which events fire; 3. every test
# that needs root and BPF passes (the files that skip without root: the live
# tests and the kernel-facing CLI, engine and agent tests); 4. with
# KW_GUEST_DEMO=1, `make demo`'s dry-run raises alerts. The unit tests, which
# do not touch the kernel, run once on the host. KW_GUEST_QUICK=1 runs only
# the tests of what differs between kernels (QUICK_TESTS below).
set -euo pipefail
cd "$(dirname "$0")/../.."
shopt -s globstar

step() { printf '\n== %s: %s (%ss since boot)\n' "$(uname -r)" "$*" "$(cut -d. -f1 /proc/uptime)"; }

step "events this kernel runs"
bin/kernwatch events | grep -E 'UNAVAILABLE|^This kernel' || true
bin/kernwatch events --json | node -e '
  const events = JSON.parse(require("fs").readFileSync(0, "utf8"));
  // a tracepoint the kernel lacks is a fact of the kernel; anything else is ours
  const off = events.filter((e) => e.available !== true && !/^this kernel has no .* tracepoint$/.test(e.unavailable_reason ?? ""));
  for (const e of off) console.error(`unavailable: ${e.name}: ${e.unavailable_reason ?? "not checked"}`);
  process.exit(off.length === 0 ? 0 : 1);'

step "events seen by one trigger run"
# kernwatch tail on every event while the demo's workload (cgroup life cycle,
# freezer, processes, a memcg OOM) and a compaction pass run; rename,
# transfer and hang need recipes of their own, which the live tests hold
seen=$(mktemp); log=$(mktemp)
bin/kernwatch tail --json --duration 30 > "$seen" 2> "$log" &
tail_pid=$!
for _ in $(seq 600); do grep -q 'watching' "$log" && break; kill -0 "$tail_pid" 2>/dev/null || break; sleep 0.1; done
scripts/demo-workload.sh --oom
echo 1 > /proc/sys/vm/compact_memory
wait "$tail_pid" || { cat "$log"; exit 1; }
node -e '
  const { EVENTS } = require("./dist/src/events/catalog");
  const seen = new Map(EVENTS.map((e) => [e.name, 0]));
  for (const line of require("fs").readFileSync(process.argv[1], "utf8").split("\n")) {
    if (line) { const e = JSON.parse(line).event; seen.set(e, (seen.get(e) ?? 0) + 1); }
  }
  for (const [name, n] of seen) console.log(`seen ${name.padEnd(20)} ${n}`);' "$seen"
rm -f "$seen" "$log"

# what differs between kernels: refusals, the record layouts (rss_stat,
# arguments), the filter path and glob steps of the object the kernel gets, its two rings
QUICK_TESTS="live/refused_programs live/kernel_filters live/native_lifecycle live/process live/oom live/cgroup_globs live/cgroup_v2 live/flow_control"

# tests that step the machine's clock run only here, in a guest of its own
export KW_IN_GUEST=1
step "kernel-facing tests${KW_GUEST_QUICK:+ (quick: $QUICK_TESTS)}"
files=()
for f in test/**/*.test.ts; do
  grep -q 'NEEDS_ROOT' "$f" || continue
  name=${f#test/}
  name=${name%.test.ts}
  # the agent's own behaviour (restarts, reloads, state directory) is the same on every
  # kernel and is tested on the host; a guest's minutes go to what differs between kernels
  # (the demo runs once, on the v2-only guest, under KW_GUEST_DEMO below)
  [[ $name == live/agent/* || $name == live/demo ]] && continue
  if [ "${KW_GUEST_QUICK:-0}" = 1 ] && [[ " $QUICK_TESTS " != *" $name "* ]]; then continue; fi
  files+=("dist/${f%.ts}.js")
done
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"

if [ "${KW_GUEST_DEMO:-0}" = 1 ]; then
  step "make demo"
  out=$(./scripts/demo.sh 2>&1) || { echo "$out"; exit 1; }
  echo "$out" | tail -n 15
  # the rule table ends every dry-run: rule, kernel, matched, alerts
  echo "$out" | awk '/^rule +kernel/ { table = 1; next } table && $NF ~ /^[0-9]+$/ && $NF > 0 { fired = 1 } END { exit !fired }' \
    || { echo "the demo raised no alert" >&2; exit 1; }
fi
step "done"
