import ASCIIText
import AnalyticsCore
import Foundation
import HTTPServer

/// Who may read the statistics on `STATS_PORT`. With `STATS_TOKEN` or `SITE_TOKENS` set, the
/// dashboard, `/analytics`, `/api/sites` and the stream need `Authorization: Bearer <token>` or
/// the session cookie that `GET /?token=<token>` sets (a random login, `DashboardLogins`, never
/// the token itself): `STATS_TOKEN` sees every site, a site's token only that site
/// (`StatsGrant`). With `METRICS_TOKEN` set, `/metrics` needs its bearer token. Without tokens
/// everything is open. Tokens and sessions are compared in constant time.
struct StatsAccess: Sendable {
    static let cookieName = "analytics_session"

    private let statsToken: [UInt8]?
    private let metricsToken: [UInt8]?
    /// `SITE_TOKENS`: each site's token.
    private let siteTokens: [(site: String, token: [UInt8])]
    /// Proxies whose word that a request came over HTTPS makes the cookie `Secure`.
    private let trustedProxies: [IPNetwork]
    let logins: DashboardLogins

    init(
        statsToken: String?, metricsToken: String?, siteTokens: [(site: String, token: String)] = [],
        trustedProxies: [IPNetwork] = [], logins: DashboardLogins = DashboardLogins()
    ) {
        self.statsToken = statsToken.map { Array($0.utf8) }
        self.siteTokens = siteTokens.map { ($0.site, Array($0.token.utf8)) }
        self.metricsToken = metricsToken.map { Array($0.utf8) }
        self.trustedProxies = trustedProxies
        self.logins = logins
    }

    var protectsStatistics: Bool { statsToken != nil || !siteTokens.isEmpty }

    func allowsStatistics(_ head: HTTPRequestHead) -> Bool { grant(head) != nil }

    /// What the request's bearer token or login cookie sees; nil when it shows nothing.
    func grant(_ head: HTTPRequestHead) -> StatsGrant? {
        guard protectsStatistics else { return .everything }
        if let bearer = Self.bearer(head), let grant = grant(forToken: bearer) { return grant }
        if let cookie = Self.cookie(Self.cookieName, in: head) { return logins.grant(of: cookie) }
        return nil
    }

    /// What a token sees. Every token is compared, whichever matches, so the time taken says
    /// nothing about which one (or how much of one) was right.
    private func grant(forToken offered: [UInt8]) -> StatsGrant? {
        var grant: StatsGrant?
        if let statsToken, Self.same(offered, statsToken) { grant = .everything }
        for (site, token) in siteTokens where Self.same(offered, token) && grant == nil { grant = .site(site) }
        return grant
    }

    func allowsMetrics(_ head: HTTPRequestHead) -> Bool {
        guard let metricsToken else { return true }
        guard let bearer = Self.bearer(head) else { return false }
        return Self.same(bearer, metricsToken)
    }

    /// `handler` behind the statistics token: a request without it is answered `401`.
    func requiringStatisticsToken(_ handler: @escaping RouteHandler) -> RouteHandler {
        requiringGrant { request, _, respond in handler(request, respond) }
    }

    /// `handler`, told what the request may see; a request that may see nothing is answered `401`.
    func requiringGrant(
        _ handler: @escaping @Sendable (HTTPRequest, StatsGrant, @escaping @Sendable (HTTPResponse) -> Void) -> Void
    ) -> RouteHandler {
        { [self] request, respond in
            guard let grant = grant(request.head) else { return respond(Self.denied(Self.statisticsDenied)) }
            handler(request, grant, respond)
        }
    }

    /// `handler` behind the metrics token: a request without it is answered `401`.
    func requiringMetricsToken(_ handler: @escaping RouteHandler) -> RouteHandler {
        { [self] request, respond in
            guard allowsMetrics(request.head) else { return respond(Self.denied(Self.metricsDenied)) }
            handler(request, respond)
        }
    }

    /// `GET /?token=…`: a new login's cookie and a redirect to `/`, so the token leaves the address
    /// bar and the history; nil when the request carries no `token` parameter. The cookie is
    /// `HttpOnly`, `SameSite=Strict`, and `Secure` when a trusted proxy says the request came over
    /// HTTPS (`ForwardedHTTPS`).
    func login(_ request: HTTPRequest) -> HTTPResponse? {
        // Read like every other query, `/pixel.gif`'s included: names decoded too, `+` a space.
        guard let offered = QueryParameters.first("token", in: request.head.query) else { return nil }
        guard protectsStatistics else {
            // Nothing to log in to: only the token leaves the address bar.
            return HTTPResponse(
                status: .seeOther, headers: HTTPHeaders([("Location", "/"), ("Cache-Control", "no-store")]))
        }
        guard let grant = grant(forToken: Array(offered.utf8)) else {
            return Self.denied(
                "the token in the address is not this dashboard's STATS_TOKEN nor one of its SITE_TOKENS")
        }
        var cookie =
            "\(Self.cookieName)=\(logins.open(grant)); Path=/; Max-Age=\(Int(logins.lifetime)); HttpOnly; SameSite=Strict"
        if ForwardedHTTPS.isHTTPS(request, trustedProxies: trustedProxies) { cookie += "; Secure" }
        // A site's token opens its own dashboard.
        let location: String
        switch grant {
        case .everything: location = "/"
        case .site(let site):
            location = "/?site=" + (site.addingPercentEncoding(withAllowedCharacters: .urlQueryAllowed) ?? "")
        }
        return HTTPResponse(
            status: .seeOther,
            headers: HTTPHeaders([("Location", location), ("Set-Cookie", cookie), ("Cache-Control", "no-store")]))
    }

    /// `401` with the error shape of every API response.
    static func denied(_ message: String) -> HTTPResponse {
        .error(
            .unauthorized, message,
            headers: HTTPHeaders([("WWW-Authenticate", #"Bearer realm="analytics""#), ("Cache-Control", "no-store")]))
    }

    static let statisticsDenied =
        "these statistics need STATS_TOKEN: send Authorization: Bearer <token>, or open /?token=<token> once"
    static let metricsDenied = "/metrics needs METRICS_TOKEN: send Authorization: Bearer <token>"

    // MARK: - Reading credentials

    private static func bearer(_ head: HTTPRequestHead) -> [UInt8]? {
        guard let value = head.headers["Authorization"] else { return nil }
        let parts = value.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].asciiLowercased == "bearer" else { return nil }
        return Array(parts[1].utf8)
    }

    private static func cookie(_ name: String, in head: HTTPRequestHead) -> [UInt8]? {
        for header in head.headers.values("Cookie") {
            for pair in header.split(separator: ";") {
                let trimmed = pair.drop { $0 == " " }
                guard let equals = trimmed.firstIndex(of: "="), trimmed[..<equals] == name else { continue }
                return Array(trimmed[trimmed.index(after: equals)...].utf8)
            }
        }
        return nil
    }

    /// Equality whose time depends only on the expected token's length, not on where the offered
    /// one differs.
    static func same(_ offered: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: offered.count ^ expected.count)
        if offered.count != expected.count { difference |= 1 }
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < offered.count ? offered[index] : 0)
        }
        return difference == 0
    }
}
