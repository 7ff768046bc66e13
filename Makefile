# Real-time website analytics over Kafka, in Swift.
# `make run` and `make test` set everything up themselves (see `make help`).

SWIFT        ?= swift
BIN          := bin
PRODUCTS     := producer consumer kafka-dev-broker
SOURCES      := Sources Tests Fuzz Package.swift

.DEFAULT_GOAL := help
.PHONY: help deps deps-browser screenshot bench-dashboard build build-debug clean test run run-broker run-producer run-consumer \
        docker-up docker-down docker-restart docker-logs fmt lint bench bench-http bench-consumer \
        bench-consumer-growth bench-freshness bench-analytics-load bench-history fuzz test-tsan

help: ## Show this help
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}' $(MAKEFILE_LIST)

deps: ## Install librdkafka-dev, kcat and curl with apt when missing (as root), else print the command
	@scripts/deps.sh

deps-browser: ## The same, plus chromium and chromium-driver (dashboard tests, screenshot)
	@scripts/deps.sh --browser

build: deps ## Build release binaries into bin/
	$(SWIFT) build -c release
	@mkdir -p $(BIN)
	@for product in $(PRODUCTS); do install -m 755 "$$($(SWIFT) build -c release --show-bin-path)/$$product" $(BIN)/; done
	@echo "built: $(addprefix $(BIN)/,$(PRODUCTS))"

build-debug: deps ## Build debug binaries and tests
	$(SWIFT) build --build-tests

clean: ## Remove build output
	rm -rf .build $(BIN)

# Seconds each fuzz target runs in `make test`: enough to fail on a harness that no longer builds
# or crashes on its seeds, little enough for CI.
TEST_FUZZ_SECONDS ?= 5

test: deps-browser ## Run unit, Kafka, end-to-end and browser tests (real binaries, development broker, Chromium), then each fuzz target for TEST_FUZZ_SECONDS (5)
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing
	@FUZZ_SECONDS=$(TEST_FUZZ_SECONDS) SWIFT=$(SWIFT) scripts/fuzz.sh

run: build ## Start the development broker (unless KAFKA_BROKERS is set), a local ClickHouse (unless CLICKHOUSE_URL is set), producer and consumer
	@BIN=$(BIN) scripts/run.sh

run-broker: build ## Start only the development broker on localhost:9092
	$(BIN)/kafka-dev-broker

run-producer: build ## Start only the producer (needs Kafka at KAFKA_BROKERS, default localhost:9092)
	$(BIN)/producer

run-consumer: build ## Start only the consumer (needs Kafka at KAFKA_BROKERS, default localhost:9092)
	$(BIN)/consumer

screenshot: build deps-browser ## Photograph the dashboard with real data into docs/dashboard.png (headless Chromium)
	@BIN=$(BIN) scripts/screenshot.sh

bench: bench-http bench-consumer bench-freshness bench-dashboard ## Run the benchmarks

bench-http: build ## Producer vs nginx under wrk (c64, c256; enqueued and durable); checks no 202 is lost
	@BIN=$(BIN) scripts/bench-http.sh

bench-dashboard: build deps-browser ## 202 at the producer to the figure on an open dashboard (p50/p99, EVENTS=300), vs /analytics
	@BIN=$(BIN) scripts/bench-dashboard.sh

fuzz: ## Build the libFuzzer targets in Fuzz/ over the library modules and run each FUZZ_SECONDS (default 60)
	@SWIFT=$(SWIFT) scripts/fuzz.sh

bench-consumer: build ## Consumer vs kcat on three topic shapes: bulk, our producer's, 128 small partitions (SHAPES); peak RSS
	@BIN=$(BIN) scripts/bench-consumer.sh

bench-analytics-load: build ## Consumption alone vs with wrk polling /analytics (EVENTS, ROUNDS; BASE_BIN= older binaries for an A/B)
	@BIN=$(BIN) scripts/bench-analytics-load.sh

bench-freshness: build ## How far /analytics is behind while the producer takes RATE events/s (5000) for SECONDS_TO_RUN (60)
	@BIN=$(BIN) scripts/bench-freshness.sh

bench-history: build ## History in ClickHouse: EVENTS (10M) imported over 90 days / 3 sites; writer vs kcat; disk, RSS; query p95
	@BIN=$(BIN) scripts/bench-history.sh

bench-consumer-growth: build ## Consumer peak RSS on 1M / 5M / 10M events with 100k / 1M / 2M users (HUGE=0: two)
	@BIN=$(BIN) scripts/bench-consumer-growth.sh

docker-up: ## Start Kafka (KRaft), producer and consumer with docker compose
	docker compose up -d --build

docker-down: ## Stop the docker compose stack
	docker compose down

docker-restart: docker-down docker-up ## Restart the docker compose stack

docker-logs: ## Follow the docker compose logs
	docker compose logs -f

fmt: ## Format the Swift sources in place
	$(SWIFT) format --in-place --recursive $(SOURCES)

# The multi-threaded suites (HTTP server, consumer, producer controls, handoffs, Kafka clients, threads),
# built apart in .build-tsan so the normal build is kept.
TSAN_SUITES := ConsumerTests|HTTPServerTests|ServiceRuntimeTests|ProducerTests|KafkaTests|BackgroundWorkTests
# librdkafka's threads and locks are C11 ones, which the sanitizer does not intercept: a preloaded
# shim makes them the pthread calls it does (Tests/Sanitizers/c11-threads-over-pthreads.c).
TSAN_SHIM   := .build-tsan/c11-threads-over-pthreads.so

$(TSAN_SHIM): Tests/Sanitizers/c11-threads-over-pthreads.c
	@mkdir -p $(dir $@)
	clang -O1 -shared -fPIC -o $@ $<

test-tsan: deps $(TSAN_SHIM) ## Run the multi-threaded suites, Kafka's included, under the thread sanitizer (fails on any report)
	$(SWIFT) build --build-tests --sanitize=thread --scratch-path .build-tsan
	LD_PRELOAD=$(CURDIR)/$(TSAN_SHIM) \
	TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/Tests/Sanitizers/tsan-suppressions.txt $(TSAN_OPTIONS)" \
		$(SWIFT) test --skip-build --sanitize=thread --scratch-path .build-tsan --disable-swift-testing \
		--filter '$(TSAN_SUITES)'

lint: ## Check formatting and style (fails on any finding)
	$(SWIFT) format lint --strict --recursive $(SOURCES)
