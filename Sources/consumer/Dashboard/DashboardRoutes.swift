import ASCIIText
import AnalyticsCore
import HTTPServer
import ServiceRuntime

/// The dashboard on `STATS_PORT`: the page at `/` (and the `/?token=` login), its script and
/// stylesheet, the live stream of snapshots at `/analytics/stream` and the snapshot the page polls
/// when it cannot stream, `GET /analytics` — each of every site together or, with `?site=`, of one
/// site — and the list of sites, `GET /api/sites`, all from `LiveSnapshotFeed`.
struct DashboardRoutes: Sendable {
    let assets: DashboardAssets
    let feed: LiveSnapshotFeed
    let access: StatsAccess
    let metrics: ServiceMetrics
    /// Whether some partition has a view of a site (a stream of an unknown site is `404`).
    let knowsSite: @Sendable (String) -> Bool

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
        router.on("GET", assets.historyScriptPath) { request, respond in
            respond(assets.historyScript.response(to: request.head))
        }
        router.on("GET", assets.stylePath) { request, respond in respond(assets.style.response(to: request.head)) }
        router.on(
            "GET", "/analytics",
            access.requiringGrant { request, grant, respond in
                switch Self.scope(of: request, grant: grant) {
                case .refused(let refusal): respond(refusal)
                case .chosen(let scope): feed.answer(scope) { respond(Self.response(to: $0)) }
                }
            })
        router.on(
            "GET", "/api/sites",
            access.requiringGrant { _, grant, respond in
                switch grant {
                case .everything: feed.answer(.siteList) { respond(Self.response(to: $0)) }
                // A site's token: its own row, from its own figures (not every site's computed).
                case .site(let own): feed.answer(.site(own)) { respond(Self.ownRow(of: own, from: $0)) }
                }
            })
        router.on(
            "GET", "/analytics/stream",
            access.requiringGrant { request, grant, respond in
                let scope: FiguresScope
                switch Self.scope(of: request, grant: grant) {
                case .refused(let refusal): return respond(refusal)
                case .chosen(let chosen): scope = chosen
                }
                if case .site(let site) = scope, !knowsSite(site) { return respond(Self.unknownSite(site)) }
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
                    ) { stream in feed.attach(stream, scope: scope) })
            })
    }

    /// The figures a request asks for, or why it may not have them.
    enum ScopeChoice {
        case chosen(FiguresScope)
        case refused(HTTPResponse)
    }

    /// The figures a request for `/analytics` or its stream asks for: `?site=` names one site; a
    /// site's token sees its own site without naming it, and no other (`403`).
    static func scope(of request: HTTPRequest, grant: StatsGrant) -> ScopeChoice {
        // Host names are case-insensitive and stored lowercased.
        let asked = QueryParameters.first("site", in: request.head.query)?.asciiLowercased
        if let asked, !SiteViews.showable(asked) {
            return .refused(
                .error(
                    .badRequest,
                    "site must be a site's name (1 to 253 printable characters, no spaces), as GET /api/sites lists them",
                    field: "site"))
        }
        switch (grant, asked) {
        case (.everything, let site): return .chosen(FiguresScope(site: site))
        case (.site(let own), nil): return .chosen(.site(own))
        case (.site(let own), let site?):
            guard site == own else {
                return .refused(.error(.forbidden, "this token sees only the site \(own)", field: "site"))
            }
            return .chosen(.site(own))
        }
    }

    static func unknownSite(_ site: String) -> HTTPResponse {
        .error(
            .notFound, "no events of the site \(site) have been counted; GET /api/sites lists the sites", field: "site",
            headers: HTTPHeaders([("Cache-Control", "no-store")]))
    }

    /// `GET /api/sites` for a site's token: the row of its own site, or none before its first
    /// event.
    static func ownRow(of site: String, from answer: LiveSnapshotFeed.Answer) -> HTTPResponse {
        guard case .computed(let computed) = answer else { return response(to: answer) }
        let rows: [SiteSummary]
        switch computed.figures {
        case .snapshot(let snapshot): rows = [SiteSummary(site: site, snapshot: snapshot)]
        case .unknownSite, .sites: rows = []
        }
        do {
            return .json(.ok, try StatsRenderer().json(rows), headers: HTTPHeaders([("Cache-Control", "no-store")]))
        } catch {
            return .error(.internalServerError, error.description)
        }
    }

    /// `GET /analytics`: the snapshot, or why there is none.
    static func response(to answer: LiveSnapshotFeed.Answer) -> HTTPResponse {
        switch answer {
        case .computed(let computed):
            if case .unknownSite(let site) = computed.figures { return unknownSite(site) }
            return .json(.ok, computed.json, headers: HTTPHeaders([("Cache-Control", "no-store")]))
        case .unencodable(let error):
            return .error(.internalServerError, error.description)
        case .stopped:
            return .error(
                .serviceUnavailable, "the consumer is shutting down", headers: HTTPHeaders([("Retry-After", "5")]))
        }
    }
}
