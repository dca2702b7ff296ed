# kernwatch's entry point. `make demo` and `make test` install what is
# missing, build what changed, then run; both are cheap when nothing changed.

SHELL := /bin/bash
OUTPUT := bpf/.output
ADDON := native/build/Release/kernwatch.node
# Node's own headers come with the installed Node; point node-gyp at them so
# nothing is downloaded.
NODEDIR := $(shell node -p "require('path').resolve(process.execPath, '../..')")
NODE_GYP_FLAGS := $(if $(wildcard $(NODEDIR)/include/node/node.h),--nodedir=$(NODEDIR),)
TS_SOURCES := $(shell find src test bench -name '*.ts' 2>/dev/null) tsconfig.json

.PHONY: all build build-only deps demo layouts lint test test-unit test-host test-kernels test-package test-image test-install bench clean install deb image

all: build

deps:
	@./scripts/install-deps.sh

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

# vmlinux.h comes from the running kernel's BTF at build time: CO-RE
# relocates field offsets at load time, so any recent BTF-enabled kernel works.
$(OUTPUT)/vmlinux.h:
	@mkdir -p $(OUTPUT)
	bpftool btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

BPF_CFLAGS := -g -O2 -Wall -target bpf -D__TARGET_ARCH_x86 -I$(OUTPUT) -Ibpf

$(OUTPUT)/kernwatch.bpf.o: bpf/kernwatch.bpf.c $(wildcard bpf/*.h) $(OUTPUT)/vmlinux.h
	clang $(BPF_CFLAGS) -c $< -o $@

# the same programs for kernels without bpf_loop() (before 5.17): the addon
# carries both objects and picks one from the running kernel's BTF
$(OUTPUT)/kernwatch_compat.bpf.o: bpf/kernwatch.bpf.c $(wildcard bpf/*.h) $(OUTPUT)/vmlinux.h
	clang $(BPF_CFLAGS) -DKW_NO_BPF_LOOP -c $< -o $@

$(OUTPUT)/kernwatch.skel.h: $(OUTPUT)/kernwatch.bpf.o
	bpftool gen skeleton $< name kernwatch_bpf > $@.tmp && mv $@.tmp $@

$(OUTPUT)/kernwatch_compat.skel.h: $(OUTPUT)/kernwatch_compat.bpf.o
	bpftool gen skeleton $< name kernwatch_compat_bpf > $@.tmp && mv $@.tmp $@

# configure only when binding.gyp changed, then build incrementally: a full
# rebuild deletes the addon that running processes may be loading
native/build/Makefile: native/binding.gyp node_modules/.package-lock.json
	cd native && ../node_modules/.bin/node-gyp configure $(NODE_GYP_FLAGS) --loglevel=warn

$(ADDON): $(wildcard native/src/*) native/build/Makefile bpf/kernwatch.h $(OUTPUT)/kernwatch.skel.h $(OUTPUT)/kernwatch_compat.skel.h
	cd native && ../node_modules/.bin/node-gyp build $(NODE_GYP_FLAGS) --loglevel=warn
	@touch $@

dist/.tsbuildinfo: $(TS_SOURCES) node_modules/.package-lock.json
	npx tsc -p .
	@touch $@

build: deps $(ADDON) dist/.tsbuildinfo

# the build alone, installing nothing: the Debian package build's step
build-only: $(ADDON) dist/.tsbuildinfo

# PREFIX (/usr/local), DESTDIR, SYSCONFDIR, UNITDIR, BUNDLE_NODE=1: see scripts/install.sh
install: build
	./scripts/install.sh

# kernwatch_VERSION_amd64.deb in out/, built with dpkg-buildpackage and checked by lintian
deb: build
	@./scripts/install-deps.sh --package
	./scripts/build-deb.sh

# ghcr.io/kernwatch/kernwatch:VERSION in podman's store: mmdebstrap + the .deb, made an image by buildah
image: deb
	./scripts/build-image.sh

demo: build
	./scripts/demo.sh

# lint, the unit tests, the whole suite on this host's kernel, the package
# and the image as users install them, then the kernel-facing tests in QEMU
# guests booting Debian's kernels (scripts/test-kernels.sh)
test: lint test-unit test-host test-package test-image test-install test-kernels

# eslint (typescript-eslint, type-aware), prettier, clang-format for bpf/ and native/
lint: deps node_modules/.package-lock.json
	node scripts/gen-layouts.mjs --check
	npx eslint src test bench
	npx prettier --check --log-level warn "src/**/*.ts" "test/**/*.ts" "bench/**/*.ts" eslint.config.mjs scripts/vm/webhook-receiver.mjs
	clang-format --dry-run --Werror bpf/*.c bpf/*.h native/src/*.cc native/src/*.h

# src/kernel/kernwatch_h.ts and native/src/kernwatch_h_layout.h from bpf/kernwatch.h
# (committed, so the unit tests need no clang; make lint fails when they are stale)
layouts: node_modules/.package-lock.json
	node scripts/gen-layouts.mjs

# every test outside test/live/: no root, no kernel, no BPF or addon build
# (the kernel limits are values checked against bpf/kernwatch.h's text)
test-unit: dist/.tsbuildinfo
	./scripts/run-tests.sh --unit

test-host: build
	./scripts/run-tests.sh

# the .deb on a fresh Debian 12 (mmdebstrap), and make install
test-package: deb
	./scripts/test-package.sh

test-image: image
	./scripts/test-image.sh

# the .deb under systemd and the image under podman, in a QEMU guest booting a fresh Debian 12
test-install: image
	@./scripts/install-deps.sh --kernel-matrix
	./scripts/test-install-guest.sh

test-kernels: build
	@./scripts/install-deps.sh --kernel-matrix
	./scripts/test-kernels.sh

bench: build
	@for b in dist/bench/*.js; do echo "== $$b"; node --expose-gc "$$b" || exit 1; done

clean:
	rm -rf $(OUTPUT) native/build dist
