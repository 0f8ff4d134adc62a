# swift-grpc-sync developer tasks. `make help` lists the targets.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

SWIFT ?= swift
PROTOC ?= protoc
VENV := $(CURDIR)/.venv

# The Swift tests launch their Python peers (grpcio, h2) with this interpreter.
export GRPCSYNC_PYTHON := $(VENV)/bin/python

# Protos of the package itself, one `proto=output-directory` entry per line.
PROTOS := \
	protos/helloworld.proto=Sources/Examples/HelloWorld/Model \

# Path to a prebuilt protoc-gen-swift; when empty, `make protos` builds the one
# from the swift-protobuf dependency.
PROTOC_GEN_SWIFT ?=

# Swift files checked by swift-format: everything but generated code.
FORMAT_FILES = $(shell find Sources Tests Package.swift -name '*.swift' \
	! -name '*.pb.swift' ! -name '*.grpc.swift' 2>/dev/null | LC_ALL=C sort)
FORMAT_CONFIG := --configuration $(CURDIR)/.swift-format

.PHONY: help deps build protos test lint format demo clean distclean

help: ## List the targets.
	@grep -E '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*?## "}; {printf "  %-10s %s\n", $$1, $$2}'

deps: ## Install missing system packages and the Python venv (.venv) for the tests.
	scripts/install-deps.sh

build: deps ## Build the package (swift build).
	$(SWIFT) build

protos: deps ## Regenerate the committed protoc-gen-swift output from protos/.
	@plugin="$(PROTOC_GEN_SWIFT)"; \
	if [[ -z "$$plugin" ]]; then \
		echo "$(SWIFT) build --product protoc-gen-swift"; \
		$(SWIFT) build --product protoc-gen-swift; \
		plugin="$$($(SWIFT) build --show-bin-path)/protoc-gen-swift"; \
	fi; \
	for entry in $(PROTOS); do \
		proto="$${entry%%=*}"; out="$${entry#*=}"; \
		mkdir -p "$$out"; \
		echo "$(PROTOC) $$proto -> $$out"; \
		$(PROTOC) --plugin=protoc-gen-swift="$$plugin" --swift_opt=Visibility=Public \
			--swift_out="$$out" -I protos "$$proto"; \
	done

# Lint runs first: it takes a second and fails fast, and the test runner's
# summary stays the last thing printed.
test: deps lint ## Lint, then build and run the tests (Python peers from .venv).
	$(SWIFT) build --build-tests
	# The tests are XCTest; without this flag an empty Swift Testing run would print the last line.
	$(SWIFT) test --disable-swift-testing

lint: ## Check formatting with swift-format (findings fail; generated code skipped).
	@files="$(FORMAT_FILES)"; \
	if [[ -z "$$files" ]]; then echo "lint: no Swift files"; exit 0; fi; \
	echo "$(SWIFT) format lint --strict $(FORMAT_CONFIG) <$$(wc -w <<<"$$files") files>"; \
	$(SWIFT) format lint --strict $(FORMAT_CONFIG) $$files

format: ## Reformat the Swift sources in place with swift-format (generated code skipped).
	@files="$(FORMAT_FILES)"; \
	if [[ -z "$$files" ]]; then echo "format: no Swift files"; exit 0; fi; \
	$(SWIFT) format format --in-place $(FORMAT_CONFIG) $$files

demo: deps ## Run helloworld-server on port 50051 and call it with helloworld-client.
	scripts/demo.sh

clean: ## Remove build output (.build).
	rm -rf .build

distclean: clean ## Also remove the Python venv (.venv).
	rm -rf .venv
