#!/usr/bin/env bash
# Runs the whole test suite, one file at a time: live tests share the host's
# kernel, so two of them compacting memory or counting forks at once would
# disturb each other.
#
#   --unit   only the tests outside test/live/: no root, no kernel (make test-unit)
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob
if [[ "${1:-}" == --unit ]]; then
  unit=()
  for f in dist/test/**/*.test.js; do [[ $f == dist/test/live/* ]] || unit+=("$f"); done
  exec node --test --test-reporter=dot "${unit[@]}"
fi
files=(dist/test/**/*.test.js)
node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
# the object built for kernels without bpf_loop() (before 5.17) is chosen by
# BTF, so this kernel never runs it by itself: its filters and records again
echo "== the same kernel tests on the compat object (no bpf_loop)"
KERNWATCH_BPF_OBJECT=compat node --test --test-concurrency=1 --test-reporter=spec \
  dist/test/live/kernel_filters.test.js dist/test/live/process.test.js dist/test/live/live_engine.test.js \
  dist/test/live/cgroup_globs.test.js dist/test/live/flow_control.test.js
