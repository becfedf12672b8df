# idcmd — the two set-up commands are `make run` and `make test`.
GO      ?= go
# The release version is openapi.Version (idcmd version, the OpenAPI document
# and the XSOAR integration say it); BUILD only names the source it was built from.
BUILD   ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := -s -w -X main.build=$(BUILD)

.PHONY: run test vet generate build bench fuzz docker

## run: start idcmd on its embedded sandbox (fake Okta org), ready for Swagger UI and curl
run:
	$(GO) run -ldflags "$(LDFLAGS)" ./cmd/idcmd serve --sandbox

## test: vet + every test (including the stale-generated-files check)
test: vet
	$(GO) test -count=1 -timeout 20m ./...

vet:
	$(GO) vet ./...

## generate: rebuild field docs, swag stubs, the OpenAPI document and the README table
generate:
	$(GO) run ./cmd/generate

## build: static binary in bin/idcmd
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/idcmd ./cmd/idcmd

## bench: the real binary against minfake (CPU, latency, throughput, writes), the in-process benchmarks, idle memory, and the sandbox's RSS over 100,000 writes (IDCMD_BENCH_BINARY measures another build)
bench:
	$(GO) test -count=1 -run '^$$' -bench . -benchtime 3s -timeout 30m ./tests/bench/

## fuzz: fuzz request decoding and validation for a while (FUZZTIME=1m)
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzCommandBody -fuzztime $(FUZZTIME) ./tests/

docker:
	docker build --build-arg BUILD=$(BUILD) -t idcmd:$(or $(BUILD),latest) .
