import HTTPServer
import ServiceRuntime

/// The dashboard on `STATS_PORT`: the page at `/` (and the `/?token=` login), its script and
/// stylesheet, the live stream of snapshots at `/analytics/stream` and the snapshot the page polls
/// when it cannot stream, `GET /analytics`, both from `LiveSnapshotFeed`.
struct DashboardRoutes: Sendable {
    let assets: DashboardAssets
    let feed: LiveSnapshotFeed
    let access: StatsAccess
    let metrics: ServiceMetrics

    func install(on router: inout Router) {
        let page = access.requiringStatisticsToken { request, respond in
            respond(assets.page.response(to: request.head))
        }
        router.on("GET", "/") { request, respond in
            if let login = access.login(request) { return respond(login) }
            page(request, respond)
        }
        // The assets hold no statistics: they are served to anyone, like any page's script.
        router.on("GET", assets.scriptPath) { request, respond in respond(assets.script.response(to: request.head)) }
        router.on("GET", assets.stylePath) { request, respond in respond(assets.style.response(to: request.head)) }
        router.on(
            "GET", "/analytics",
            access.requiringStatisticsToken { _, respond in feed.answer { respond(Self.response(to: $0)) } })
        router.on(
            "GET", "/analytics/stream",
            access.requiringStatisticsToken { _, respond in
                guard feed.admit() else {
                    metrics.increment("dashboard_streams_refused_total")
                    respond(
                        .error(
                            .serviceUnavailable,
                            "too many open dashboard streams (MAX_STREAMS); poll /analytics or retry later",
                            headers: HTTPHeaders([("Retry-After", "5")])))
                    return
                }
                respond(
                    .stream(
                        headers: HTTPHeaders([
                            ("Content-Type", "text/event-stream; charset=utf-8"),
                            ("Cache-Control", "no-store"),
                            // Proxies such as nginx would otherwise hold events back to fill a buffer.
                            ("X-Accel-Buffering", "no"),
                        ])
                    ) { stream in feed.attach(stream) })
            })
    }

    /// `GET /analytics`: the snapshot, or why there is none.
    static func response(to answer: LiveSnapshotFeed.Answer) -> HTTPResponse {
        switch answer {
        case .snapshot(let computed):
            return .json(.ok, computed.json, headers: HTTPHeaders([("Cache-Control", "no-store")]))
        case .unencodable(let error):
            return .error(.internalServerError, error.description)
        case .stopped:
            return .error(
                .serviceUnavailable, "the consumer is shutting down", headers: HTTPHeaders([("Retry-After", "5")]))
        }
    }
}
