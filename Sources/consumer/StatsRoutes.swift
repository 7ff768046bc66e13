import AnalyticsCore
import HTTPServer
import Kafka
import ServiceRuntime

/// The consumer's HTTP endpoints on `STATS_PORT` besides the dashboard and its snapshots:
/// `GET /metrics` (Prometheus) and `GET /health`.
struct StatsRoutes: Sendable {
    let figures: LiveFigures
    let metrics: ServiceMetrics
    let access: StatsAccess
    let feed: LiveSnapshotFeed

    func install(on router: inout Router) {
        router.on("GET", "/metrics", access.requiringMetricsToken { _, respond in respond(metricsResponse()) })
        router.on("GET", "/health") { _, respond in
            respond(.json(.ok, fields: [("status", "healthy"), ("service", "analytics-consumer")]))
        }
    }

    /// The Prometheus text, with the gauges that are read when asked for brought up to date.
    private func metricsResponse() -> HTTPResponse {
        let consumer = figures.consumer
        let lag = consumer.lag()
        metrics.set("consumer_assigned_partitions", to: Double(lag.count))
        metrics.set("consumer_fetch_wakeups", to: Double(consumer.fetchWakeups))
        metrics.set("dashboard_streams", to: Double(feed.openStreams))
        metrics.set("consumer_site_views", to: Double(figures.statistics.siteViewCount))
        if let commit = consumer.lastSuccessfulCommit {
            metrics.set("consumer_last_commit_timestamp_seconds", to: commit.timeIntervalSince1970)
        }
        for (partition, records) in lag {
            metrics.set(
                "consumer_lag", [("topic", partition.topic), ("partition", String(partition.partition))],
                to: Double(records))
        }
        // The history: history_enabled 0 says "no CLICKHOUSE_URL"; history_failing 1 that inserts
        // fail (and since when, 0 while they succeed); history_lag_records how far behind the topic it is.
        let history = figures.history.current
        metrics.set("history_enabled", to: history == .off ? 0 : 1)
        switch history {
        case .off, .starting:
            metrics.set("history_failing", to: 0)
        case .writing(let lag):
            metrics.set("history_failing", to: 0)
            metrics.set("history_failing_since_timestamp_seconds", to: 0)
            metrics.set("history_lag_records", to: Double(lag))
        case .failing(let since, _, let lag):
            metrics.set("history_failing", to: 1)
            metrics.set("history_failing_since_timestamp_seconds", to: since.timeIntervalSince1970)
            metrics.set("history_lag_records", to: Double(lag))
        }
        return HTTPResponse(
            status: .ok, headers: HTTPHeaders([("Content-Type", ServiceMetrics.contentType)]), body: metrics.render())
    }
}
