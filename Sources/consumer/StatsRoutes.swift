import AnalyticsCore
import HTTPServer
import Kafka
import ServiceRuntime

/// The consumer's HTTP endpoints on `STATS_PORT`: `GET /analytics` (the live snapshot as JSON)
/// and `GET /health`.
struct StatsRoutes: Sendable {
    let statistics: LiveStatistics
    let consumer: KafkaConsumer
    let metrics: ServiceMetrics
    let renderer = StatsRenderer()

    func install(on router: inout Router) {
        router.on("GET", "/analytics") { _, respond in
            respond(.json(.ok, renderer.json(statistics.snapshot())))
        }
        router.on("GET", "/metrics") { _, respond in
            let lag = consumer.lag()
            metrics.set("consumer_assigned_partitions", to: Double(lag.count))
            metrics.set("consumer_fetch_wakeups", to: Double(consumer.fetchWakeups))
            if let commit = consumer.lastSuccessfulCommit {
                metrics.set("consumer_last_commit_timestamp_seconds", to: commit.timeIntervalSince1970)
            }
            for (partition, records) in lag {
                metrics.set(
                    "consumer_lag", [("topic", partition.topic), ("partition", String(partition.partition))],
                    to: Double(records))
            }
            respond(
                HTTPResponse(
                    status: .ok, headers: HTTPHeaders([("Content-Type", ServiceMetrics.contentType)]),
                    body: metrics.render()))
        }
        router.on("GET", "/health") { _, respond in
            respond(.json(.ok, fields: [("status", "healthy"), ("service", "analytics-consumer")]))
        }
    }
}
