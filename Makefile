# safediff: common tasks. `make test` is what CI runs (.ci/run).
GO       ?= go
# Fuzz budgets are counts of calls, not durations: a duration races Go
# 1.26's fuzz coordinator at its deadline (golang/go#75804, fixed in 1.27)
# and fails with "context deadline exceeded" and no crasher.
FUZZTIME ?= 30000x
# The version of the build (git describe, as SemVer): `safediff version` and the plugin's plugin.yaml
VERSION  ?= $(shell bash scripts/version.sh)
# Release builds are static and stripped, as scripts/dist.sh builds them: no cgo (safediff
# needs none), so no dynamic loader runs at start-up, and no symbol tables to page in.
LDFLAGS   = -s -w -X github.com/safediff/safediff/internal/cli.version=$(VERSION)
# how often the end-to-end suite says which test is running
HEARTBEAT ?= 30s

.PHONY: all build plugin dist test unit scripts-test e2e e2e-tools fuzz fuzz-long bench docs update lint clean

all: build test

## build: the safediff binary in bin/ (with bin/ beside plugin.yaml, `helm plugin install .` works too)
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/safediff ./cmd/safediff

## plugin: the helm plugin in plugin/ (then: helm plugin install ./plugin)
plugin:
	VERSION=$(VERSION) bash scripts/plugin.sh plugin legacy

## dist: versioned release archives in dist/: safediff for linux/darwin x amd64/arm64, the helm v4
## and helm v3 plugin archives, checksums.txt (PLATFORMS="linux/amd64 ..." to build fewer)
dist:
	VERSION=$(VERSION) bash scripts/dist.sh

## test: vet, unit and golden tests, the scripts' own tests, the end-to-end suite, and every fuzz
## target for a short bounded time
test: lint unit scripts-test e2e fuzz

## scripts-test: the repository's shell scripts: no pipeline can die of SIGPIPE under pipefail
scripts-test:
	bash scripts/test-scripts.sh

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l . 2>/dev/null | grep -v '^tools/'); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

# the packages that need the end-to-end toolchain and real servers
E2E_PKGS = ./internal/e2e ./internal/testenv/kubelet

unit:
	$(GO) test -count=1 $$($(GO) list ./... | grep -v -e '/internal/e2e$$' -e '/internal/testenv/kubelet$$')

## e2e-tools: build the pinned helm, helm-diff, kube-apiserver and etcd into .cache/e2e (once),
## and install the data-plane servers (redis-server from apt; checks the Postgres 15 binaries) and gpg
e2e-tools:
	bash scripts/e2e/build-tools.sh
	bash scripts/e2e/install-dataplane.sh
	bash scripts/e2e/install-gpg.sh

## e2e: end-to-end tests against real helm, helm-diff, API servers, Postgres and Redis; a line as
## each test starts and ends, which tests run every HEARTBEAT, and the output of failing tests
e2e: e2e-tools
	$(GO) build -o bin/testlog ./internal/testlog/cmd/testlog
	SAFEDIFF_E2E_REQUIRED=1 bin/testlog -heartbeat $(HEARTBEAT) $(GO) test -json -count=1 -p 1 -timeout 60m $(E2E_PKGS)

## fuzz: run each fuzz target FUZZTIME times (default 30000x, 5-10 s each)
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

fuzz-long:
	FUZZTIME=2000000x bash scripts/fuzz.sh

## bench: start-up, whole-process time and peak RSS beside helm-diff's library at 200, 2,000 and 20,000
## objects, in-process MB/s at GOMAXPROCS=1 and all cores, memory-stress inputs (a measurement: not in test)
bench:
	bash scripts/bench.sh

## docs: regenerate docs/rules.md and the rules' Go data (pkg/rules/default_gen.go) from rules.yaml
docs:
	$(GO) generate ./pkg/rules
	$(GO) test ./internal/cli -run TestDocsCurrent -update

## update: refresh golden files after an intended change of the reports
update:
	$(GO) test ./internal/cli -run 'TestGolden|TestDocsCurrent|TestPluginCompletionCurrent' -update
	$(GO) test ./pkg/report -run 'TestGoldenReports' -update

clean:
	rm -rf bin dist plugin/bin plugin/plugin.yaml
