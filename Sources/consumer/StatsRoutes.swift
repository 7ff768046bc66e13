import AnalyticsCore
import HTTPServer

/// The consumer's HTTP endpoints on `STATS_PORT`: `GET /analytics` (the live snapshot as JSON)
/// and `GET /health`.
struct StatsRoutes: Sendable {
    let statistics: LiveStatistics
    let renderer = StatsRenderer()

    func install(on router: inout Router) {
        router.on("GET", "/analytics") { _, respond in
            respond(.json(.ok, renderer.json(statistics.snapshot())))
        }
        router.on("GET", "/health") { _, respond in
            respond(.json(.ok, fields: [("status", "healthy"), ("service", "analytics-consumer")]))
        }
    }
}
