import Metrics
import Prometheus
import Synchronization

/// The service's metrics: swift-metrics bootstrapped with a Prometheus registry, rendered in the
/// Prometheus text format for `GET /metrics`.
///
/// Labelled counters are cached by their label values, since creating a swift-metrics handle
/// takes the factory's lock and the request path records one on every request.
public final class ServiceMetrics: Sendable {
    private let registry: PrometheusCollectorRegistry
    private let counters = Mutex<[CounterKey: Metrics.Counter]>([:])
    private let gauges = Mutex<[CounterKey: Metrics.Gauge]>([:])
    private let requests = Mutex<[RequestKey: Metrics.Counter]>([:])

    private struct RequestKey: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private struct CounterKey: Hashable {
        var label: String
        var dimensions: [String]
    }

    /// Bootstraps the process-wide `MetricsSystem`; call once, at start.
    public init() {
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        MetricsSystem.bootstrap(factory)
    }

    /// Increments the counter `label` with these dimensions (created on first use).
    public func increment(_ label: String, _ dimensions: [(String, String)] = [], by amount: Int = 1) {
        let key = CounterKey(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        Self.cached(key, in: counters) { Metrics.Counter(label: label, dimensions: dimensions) }.increment(by: amount)
    }

    /// Counts one answered HTTP request in `http_requests_total{route,method,status}`. A cheaper
    /// path than `increment` (no label array per call), since it runs on every request.
    public func countRequest(route: String, method: String, status: Int) {
        let key = RequestKey(route: route, method: Self.methodLabel(method), status: status)
        Self.cached(key, in: requests) {
            Metrics.Counter(
                label: "http_requests_total",
                dimensions: [("route", key.route), ("method", key.method), ("status", String(status))])
        }.increment()
    }

    /// Sets the gauge `label` with these dimensions (created on first use).
    public func set(_ label: String, _ dimensions: [(String, String)] = [], to value: Double) {
        let key = CounterKey(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        Self.cached(key, in: gauges) { Metrics.Gauge(label: label, dimensions: dimensions) }.record(value)
    }

    /// The handle cached under `key`, made on first use.
    private static func cached<Key: Hashable & Sendable, Handle: Sendable>(
        _ key: Key, in cache: borrowing Mutex<[Key: Handle]>, make: () -> Handle
    ) -> Handle {
        cache.withLock { table in
            if let existing = table[key] { return existing }
            let created = make()
            table[key] = created
            return created
        }
    }

    /// A method name fit for a label: the standard ones as they are, anything else `other`, so
    /// clients cannot create unbounded label values.
    public static func methodLabel(_ method: String) -> String {
        ["GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"].contains(method) ? method : "other"
    }

    /// The Prometheus text exposition of every metric.
    public func render() -> [UInt8] {
        registry.emitToBuffer()
    }

    /// `Content-Type` of `render()`.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"
}
