#!/usr/bin/env bash
# `make install`: kernwatch from a built checkout into DESTDIR/PREFIX, laid
# out as a package would be:
#   PREFIX/bin/kernwatch                 a launcher
#   PREFIX/lib/kernwatch/                the built JavaScript, production node_modules,
#                                        the addon (which carries both BPF objects), the schema;
#                                        with BUNDLE_NODE=1 also this machine's Node (>= 20)
#   SYSCONFDIR/kernwatch/kernwatch.yaml  a config (never overwritten)
#   SYSCONFDIR/kernwatch/rules.d/        the rule library (files never overwritten)
#   UNITDIR/kernwatch.service            the systemd unit, pointing at PREFIX/bin
#   PREFIX/share/man/man1/kernwatch.1    from --help, when help2man is installed
# Environment: DESTDIR, PREFIX (/usr/local), SYSCONFDIR (/etc for PREFIX=/usr,
# else PREFIX/etc), UNITDIR, BUNDLE_NODE=1.
set -euo pipefail
cd "$(dirname "$0")/.."

DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
if [[ "$PREFIX" == /usr ]]; then
  SYSCONFDIR=${SYSCONFDIR:-/etc}
  UNITDIR=${UNITDIR:-/lib/systemd/system}
else
  SYSCONFDIR=${SYSCONFDIR:-$PREFIX/etc}
  UNITDIR=${UNITDIR:-$PREFIX/lib/systemd/system}
fi
lib="$PREFIX/lib/kernwatch"
root="$DESTDIR"

[[ -f native/build/Release/kernwatch.node && -d dist/src ]] || { echo "install: build first (make build)" >&2; exit 1; }

echo "install: $root$lib"
rm -rf "$root$lib"
install -d "$root$lib/bin" "$root$lib/native/build/Release" "$root$lib/schema"
install -m 0644 package.json package-lock.json "$root$lib/"
# run by the launcher with the right Node, never by itself: no #! line to point at another one
tail -n +2 bin/kernwatch > "$root$lib/bin/kernwatch"
chmod 0644 "$root$lib/bin/kernwatch"
install -m 0644 native/build/Release/kernwatch.node "$root$lib/native/build/Release/"
install -m 0644 schema/kernwatch.schema.json "$root$lib/schema/"
# only the code: no tests, no benchmarks, no source maps
(cd dist && find src -name '*.js' -print0) | while IFS= read -r -d '' f; do
  install -D -m 0644 "dist/$f" "$root$lib/dist/$f"
done
# production dependencies only, exactly as locked
(cd "$root$lib" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error >/dev/null)
rm -f "$root$lib/package-lock.json"
# what a runtime never reads: the packages' own tooling, tests, docs and command-line entry points
find "$root$lib/node_modules" \( -name '.*' -o -name '*.md' -o -name '*.map' -o -name '*.ts' -o -name 'spec' -o -name 'test' \) -prune -exec rm -rf {} +
rm -rf "$root$lib/node_modules/.bin" "$root$lib/node_modules/yaml/bin.mjs" "$root$lib/node_modules/vscode-languageserver/bin"

if [[ "${BUNDLE_NODE:-0}" == 1 ]]; then
  node_bin="$lib/node"
  install -m 0755 "$(node -p process.execPath)" "$root$node_bin"
else
  node_bin=$(command -v node)
fi
install -d "$root$PREFIX/bin"
cat > "$root$PREFIX/bin/kernwatch" <<LAUNCHER
#!/bin/sh
# kernwatch: the agent and its command line (kernwatch --help)
exec $node_bin --max-semi-space-size=2 $lib/bin/kernwatch "\$@"
LAUNCHER
chmod 0755 "$root$PREFIX/bin/kernwatch"

install -d "$root$SYSCONFDIR/kernwatch/rules.d"
[[ -e "$root$SYSCONFDIR/kernwatch/kernwatch.yaml" ]] || install -m 0644 deploy/kernwatch.yaml "$root$SYSCONFDIR/kernwatch/kernwatch.yaml"
for f in rules/*.rules; do
  [[ -e "$root$SYSCONFDIR/kernwatch/rules.d/${f#rules/}" ]] || install -m 0644 "$f" "$root$SYSCONFDIR/kernwatch/rules.d/"
done

install -d "$root$UNITDIR"
sed -e "s|/usr/bin/kernwatch|$PREFIX/bin/kernwatch|g" -e "s|/etc/kernwatch|$SYSCONFDIR/kernwatch|g" \
  deploy/systemd/kernwatch.service > "$root$UNITDIR/kernwatch.service"
chmod 0644 "$root$UNITDIR/kernwatch.service"

if command -v help2man >/dev/null; then
  install -d "$root$PREFIX/share/man/man1"
  help2man --no-info --no-discard-stderr --section=1 --name="kernel alerting with eBPF: rules in git, alerts within a second" \
    --version-string="$(node -p "require('./package.json').version")" bin/kernwatch | gzip -9n > "$root$PREFIX/share/man/man1/kernwatch.1.gz"
  chmod 0644 "$root$PREFIX/share/man/man1/kernwatch.1.gz"
fi
echo "install: $root$PREFIX/bin/kernwatch, $root$SYSCONFDIR/kernwatch, $root$UNITDIR/kernwatch.service"
