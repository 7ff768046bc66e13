// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "swift-kafka-analytics",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "producer", targets: ["producer"]),
        .executable(name: "consumer", targets: ["consumer"]),
        .executable(name: "kafka-dev-broker", targets: ["kafka-dev-broker"]),
        .library(name: "AnalyticsCore", targets: ["AnalyticsCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-log.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.0.0"),
    ],
    targets: [
        // librdkafka, found with pkg-config (Debian: librdkafka-dev).
        .systemLibrary(
            name: "CRdKafka",
            pkgConfig: "rdkafka",
            providers: [.apt(["librdkafka-dev"])]
        ),
        // libmaxminddb, found with pkg-config (Debian: libmaxminddb-dev): an operator's country
        // database (GEOIP_DB, .mmdb).
        .systemLibrary(
            name: "CMaxMindDB",
            pkgConfig: "libmaxminddb",
            providers: [.apt(["libmaxminddb-dev"])]
        ),
        // epoll and eventfd, which Glibc's Swift module does not export.
        .systemLibrary(name: "CLinuxEvents"),
        // zlib, found with pkg-config (Debian: zlib1g-dev): gzip/deflate request bodies, the
        // tracker script served gzipped.
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Byte-level ASCII rules (case-insensitive comparison, optional whitespace, FNV-1a, hex) shared by
        // the HTTP server and the event model, which do not depend on each other.
        .target(name: "ASCIIText"),
        // Background threads that can be stopped and joined: every thread of every module.
        .target(name: "BackgroundWork", dependencies: ["CLinuxEvents"]),
        // The only Swift code that touches CRdKafka.
        .target(
            name: "Kafka",
            dependencies: ["CRdKafka", "BackgroundWork", .product(name: "Logging", package: "swift-log")]
        ),
        // HTTP/1.1 over the socket API (epoll, non-blocking sockets).
        .target(
            name: "HTTPServer",
            dependencies: [
                "ClickHouse", "ASCIIText", "CLinuxEvents", "CZlib", "BackgroundWork",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Event model, validation, enrichment, aggregation, rendering. No I/O.
        .target(name: "AnalyticsCore", dependencies: ["ASCIIText"]),
        // ClickHouse over its HTTP interface: the history store (issue 31) and its queries.
        .target(name: "ClickHouse"),
        // The query API's pure parts: a query read and checked, its SQL, its results. No I/O.
        .target(name: "HistoryQuery", dependencies: ["AnalyticsCore", "ClickHouse"]),
        // What both services share: environment configuration, logging, signals.
        .target(
            name: "ServiceRuntime",
            dependencies: [
                "ASCIIText",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "producer",
            dependencies: [
                "ASCIIText", "Kafka", "HTTPServer", "AnalyticsCore", "ServiceRuntime", "BackgroundWork", "CLinuxEvents",
                "CMaxMindDB",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The tracker websites include, compiled into the binary.
            resources: [.embedInCode("Tracker/script.js")]
        ),
        .executableTarget(
            name: "consumer",
            dependencies: [
                "ASCIIText", "Kafka", "HTTPServer", "AnalyticsCore", "ServiceRuntime", "CLinuxEvents", "BackgroundWork",
                "HistoryQuery",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            // The dashboard, compiled into the binary: it is served offline, with no files to ship.
            resources: [
                .embedInCode("Dashboard/dashboard.html"),
                .embedInCode("Dashboard/dashboard.js"),
                .embedInCode("Dashboard/history.js"),
                .embedInCode("Dashboard/dashboard.css"),
            ]
        ),
        .executableTarget(
            name: "kafka-dev-broker",
            dependencies: [
                "Kafka", "ServiceRuntime", "BackgroundWork",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Helpers shared by the test targets: raw HTTP client, service processes, free ports.
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "ASCIITextTests", dependencies: ["ASCIIText"]),
        .testTarget(name: "AnalyticsCoreTests", dependencies: ["AnalyticsCore", "ASCIIText", "TestSupport"]),
        .testTarget(name: "BackgroundWorkTests", dependencies: ["BackgroundWork", "CLinuxEvents"]),
        .testTarget(name: "HTTPServerTests", dependencies: ["HTTPServer", "TestSupport"]),
        .testTarget(name: "KafkaTests", dependencies: ["Kafka"]),
        // AnalyticsCore recomputes visitor ids from the salts topic; HTTPServer gzips test bodies.
        .testTarget(name: "EndToEndTests", dependencies: ["TestSupport", "AnalyticsCore", "HTTPServer"]),
        .testTarget(name: "ServiceRuntimeTests", dependencies: ["ServiceRuntime"]),
        .testTarget(name: "ClickHouseTests", dependencies: ["ClickHouse", "TestSupport"]),
        .testTarget(name: "ConsumerTests", dependencies: ["consumer", "HTTPServer", "TestSupport"]),
        .testTarget(name: "HistoryQueryTests", dependencies: ["HistoryQuery", "AnalyticsCore", "ClickHouse"]),
        .testTarget(name: "ProducerTests", dependencies: ["producer", "HTTPServer", "AnalyticsCore", "Kafka"]),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets, only when scripts/fuzz.sh (`make fuzz`) sets ANALYTICS_FUZZ_TARGETS: one
// executable `fuzz-<name>` per folder Fuzz/<name>, holding one file that is not main.swift
// (libFuzzer has the `main`). They import the library modules as they are, so a file added to a
// module is in the fuzz build too; the normal build never sees them.
if Context.environment["ANALYTICS_FUZZ_TARGETS"] != nil {
    let harnesses = [
        "http-parser", "event-validation", "content-decoding", "pixel-query", "forwarded-headers", "tracker-body",
        "stats-query",
    ]
    for name in harnesses {
        package.targets.append(
            .executableTarget(
                name: "fuzz-\(name)", dependencies: ["AnalyticsCore", "HTTPServer", "HistoryQuery", "ClickHouse"],
                path: "Fuzz/\(name)")
        )
    }
}
