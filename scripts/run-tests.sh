#!/usr/bin/env bash
# Runs the whole test suite, one file at a time: live tests share the host's
# kernel, so two of them compacting memory or counting forks at once would
# disturb each other.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s globstar nullglob
files=(dist/test/**/*.test.js)
exec node --test --test-concurrency=1 --test-reporter=spec "${files[@]}"
