# make test: install missing system packages (as root), vet, cross-compile
# and vet for every client platform (make cross), and run every test with
# the race detector. Root-only tests (real sshd in namespaces) skip with a
# message when not root, and must run when CI=true.
GO ?= go
export PATH := /usr/local/go/bin:$(PATH)

.PHONY: test deps vet cross dist demo fuzz bench bench-jobs

test: deps vet cross
	$(GO) test -race -count=1 -timeout 25m ./...

# deps: system packages (as root), then the Go modules, each with retries
# so that a mirror's hiccup does not fail a CI run.
deps:
	@./scripts/install-deps.sh
	@for try in 1 2 3; do $(GO) mod download && exit 0; echo "go mod download failed (try $$try of 3)" >&2; sleep $$((try * 5)); done; exit 1

vet:
	$(GO) vet ./...

# Every platform users run the client on. CI can only cross-compile:
# the tests run on Linux alone.
CROSS_TARGETS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64 windows/amd64 windows/arm64 freebsd/amd64

# cross: go build and go vet (tests included) for each of CROSS_TARGETS.
cross:
	@set -e; for t in $(CROSS_TARGETS); do \
		echo "cross: $$t"; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) build ./...; \
		GOOS=$${t%/*} GOARCH=$${t#*/} $(GO) vet ./...; \
	done

demo:
	$(GO) run ./cmd/vmconn demo

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzShellQuote -fuzztime 30s .
	$(GO) test -run '^$$' -fuzz FuzzEnvelope -fuzztime 30s ./internal/envelope
	$(GO) test -run '^$$' -fuzz FuzzJobCommand -fuzztime 30s ./job
	$(GO) test -run '^$$' -fuzz FuzzResolve -fuzztime 30s ./sshconfig

# dist: the CLI for every platform in CROSS_TARGETS, as archives in dist/
# (tar.gz; zip for windows) with SHA256SUMS. VERSION names them.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
dist:
	@./scripts/dist.sh "$(VERSION)" $(CROSS_TARGETS)

# Go benchmarks: vmconn vs raw x/crypto/ssh (feed two runs to benchstat).
bench:
	$(GO) test -run '^$$' -bench 'Latency$$|Throughput' -benchtime 300x -count 6 . | tee bench.out

# The job delivery-latency benchmark (a line every 50 ms: slow by design).
bench-jobs:
	$(GO) test -run '^$$' -bench JobLatency -benchtime 1x .
