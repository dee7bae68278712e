# safediff: common tasks. `make test` is what CI runs (.ci/run).
GO       ?= go
FUZZTIME ?= 10s

.PHONY: all build test unit fuzz fuzz-long bench docs update lint clean

all: build test

## build: the safediff binary in bin/
build:
	$(GO) build -o bin/safediff ./cmd/safediff

## test: vet, unit and golden tests, and every fuzz target for a short bounded time
test: lint unit fuzz

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l . 2>/dev/null | grep -v '^tools/'); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

unit:
	$(GO) test -count=1 ./...

## fuzz: run each fuzz target for FUZZTIME (default 10s)
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

fuzz-long:
	FUZZTIME=5m bash scripts/fuzz.sh

## bench: review throughput and memory on a generated release of 2,000 Deployments
bench:
	bash scripts/bench.sh

## docs: regenerate docs/rules.md from rules.yaml
docs:
	$(GO) test ./internal/cli -run TestDocsCurrent -update

## update: refresh golden files after an intended change of the reports
update:
	$(GO) test ./internal/cli -run 'TestGolden|TestDocsCurrent' -update

clean:
	rm -rf bin
