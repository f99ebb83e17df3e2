# SpendSense — the two commands a newcomer needs are `make demo` and `make test`.
SWIFT ?= swift
APT_PACKAGES := libncursesw5-dev tmux python3 curl
BIN := .build/debug

.PHONY: demo test test-contract build deps bench fuzz screenshots clean

## Installs missing system packages (as root), builds, and opens the console on a local demo server.
demo: deps build
	$(BIN)/spendsense demo

## Runs every test suite (PostgreSQL and Redis too when SPENDSENSE_TEST_POSTGRES_URL and SPENDSENSE_TEST_REDIS_URL are
## set), then the end-to-end run of
## the console in tmux against a real server (scripts/e2e.sh).
test: deps
	$(SWIFT) test
	$(SWIFT) build
	scripts/e2e.sh

build:
	$(SWIFT) build

## Debian packages the build needs; installed only when missing and only when running as root.
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing system packages:$$missing (run as root or: sudo apt-get install$$missing)"; exit 1; \
	  fi; \
	fi

## Release build plus an HTTP load run with wrk; figures go to BENCHMARKS.md.
bench: deps
	scripts/bench.sh

## Schemathesis over /openapi.json with every check, as operator, user and admin (scripts/schemathesis.sh).
test-contract: deps build
	scripts/schemathesis.sh

## libFuzzer over the JSON, CSV, validator and multipart readers (FUZZ_SECONDS per target, default 60); crashing
## inputs land in Fuzz/Regressions/ and the tests replay them.
fuzz:
	scripts/fuzz.sh

## Drives the console in tmux and renders PNGs into screenshots/.
screenshots: deps build
	scripts/screenshots.sh

clean:
	rm -rf .build .spendsense
