import AnalyticsCore
import HTTPServer
import XCTest

@testable import consumer

final class StatsAccessTests: XCTestCase {
    private let token = "0123456789abcdef0123456789abcdef"
    private let access = StatsAccess(
        statsToken: "0123456789abcdef0123456789abcdef", metricsToken: "metrics-token-0123456789",
        trustedProxies: [IPNetwork("10.0.0.0/8")].compactMap { $0 })

    private func head(_ target: String = "/", _ headers: [(String, String)] = []) -> HTTPRequestHead {
        HTTPRequestHead(method: "GET", target: target, version: .http1_1, headers: HTTPHeaders(headers))
    }

    private func request(
        _ target: String = "/", _ headers: [(String, String)] = [], from peer: String = "192.0.2.1"
    ) -> HTTPRequest {
        HTTPRequest(head: head(target, headers), body: [], remoteAddress: peer)
    }

    /// The value of the session cookie a successful login sets.
    private func loginSession() throws -> String {
        let cookie = try XCTUnwrap(access.login(request("/?token=\(token)"))?.headers["Set-Cookie"])
        return String(cookie.prefix { $0 != ";" }.dropFirst("analytics_session=".count))
    }

    func testWithoutTokensEverythingIsOpen() {
        let open = StatsAccess(statsToken: nil, metricsToken: nil)
        XCTAssertFalse(open.protectsStatistics)
        XCTAssertTrue(open.allowsStatistics(head()))
        XCTAssertTrue(open.allowsMetrics(head()))
    }

    func testStatisticsNeedTheBearerTokenOrALoginsCookie() throws {
        XCTAssertFalse(access.allowsStatistics(head()))
        XCTAssertTrue(access.allowsStatistics(head("/", [("Authorization", "Bearer \(token)")])))
        XCTAssertTrue(access.allowsStatistics(head("/", [("Authorization", "bearer \(token)")])))
        let session = try loginSession()
        XCTAssertTrue(access.allowsStatistics(head("/", [("Cookie", "theme=dark; analytics_session=\(session)")])))
        XCTAssertFalse(
            access.allowsStatistics(head("/", [("Cookie", "analytics_session=\(token)")])), "the token is no session")
        XCTAssertFalse(
            access.allowsStatistics(head("/", [("Cookie", "analytics_token=\(token)")])), "nor the old cookie")
        XCTAssertFalse(access.allowsStatistics(head("/", [("Authorization", "Bearer \(token)x")])))
        XCTAssertFalse(access.allowsStatistics(head("/", [("Authorization", "Bearer \(token.dropLast())")])))
        XCTAssertFalse(access.allowsStatistics(head("/", [("Authorization", "Basic \(token)")])))
        XCTAssertFalse(access.allowsStatistics(head("/", [("Cookie", "other_token=\(token)")])))
        XCTAssertFalse(access.allowsStatistics(head("/", [("Cookie", "analytics_session=")])))
    }

    func testMetricsTokenIsSeparateAndBearerOnly() {
        XCTAssertFalse(access.allowsMetrics(head("/metrics", [("Authorization", "Bearer \(token)")])))
        XCTAssertFalse(
            access.allowsMetrics(head("/metrics", [("Cookie", "analytics_session=metrics-token-0123456789")])))
        XCTAssertTrue(access.allowsMetrics(head("/metrics", [("Authorization", "Bearer metrics-token-0123456789")])))
    }

    func testLoginWithTheRightTokenSetsARandomStrictHttpOnlySessionAndRedirectsItOutOfTheAddress() throws {
        XCTAssertNil(access.login(request("/")))
        let response = try XCTUnwrap(access.login(request("/?token=\(token)")))
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertEqual(response.headers["Location"], "/")
        let cookie = try XCTUnwrap(response.headers["Set-Cookie"])
        XCTAssertFalse(cookie.contains(token), cookie)
        XCTAssertTrue(cookie.hasPrefix("analytics_session="), cookie)
        let attributes = cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=2592000"] {
            XCTAssertTrue(attributes.contains(attribute), cookie)
        }
        XCTAssertFalse(attributes.contains("Secure"), "plain HTTP: \(cookie)")
        XCTAssertNotEqual(try loginSession(), try loginSession(), "every login is its own")
    }

    func testTheCookieIsSecureWhenATrustedProxySaysHTTPS() throws {
        func attributes(_ headers: [(String, String)], from peer: String) throws -> [String] {
            let cookie = try XCTUnwrap(
                access.login(request("/?token=\(token)", headers, from: peer))?.headers["Set-Cookie"])
            return cookie.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
        }
        XCTAssertTrue(try attributes([("X-Forwarded-Proto", "https")], from: "10.1.2.3").contains("Secure"))
        XCTAssertTrue(try attributes([("X-Forwarded-Proto", "http, HTTPS")], from: "10.1.2.3").contains("Secure"))
        XCTAssertTrue(
            try attributes([("Forwarded", #"for=192.0.2.7;proto="https""#)], from: "10.1.2.3").contains("Secure"))
        XCTAssertTrue(
            try attributes([("Forwarded", "proto=http, for=1.2.3.4;Proto=https")], from: "10.1.2.3").contains("Secure"))
        XCTAssertFalse(try attributes([("X-Forwarded-Proto", "https, http")], from: "10.1.2.3").contains("Secure"))
        XCTAssertFalse(try attributes([("Forwarded", "proto=https, for=1.2.3.4")], from: "10.1.2.3").contains("Secure"))
        XCTAssertFalse(try attributes([], from: "10.1.2.3").contains("Secure"))
        XCTAssertFalse(
            try attributes([("X-Forwarded-Proto", "https")], from: "192.0.2.1").contains("Secure"),
            "a client that is no trusted proxy is not believed")
    }

    func testLoginWithAWrongTokenIs401AndSetsNothing() throws {
        let response = try XCTUnwrap(access.login(request("/?token=guess&x=1")))
        XCTAssertEqual(response.status, .unauthorized)
        XCTAssertNil(response.headers["Set-Cookie"])
        XCTAssertEqual(response.headers["Content-Type"], "application/json")
        XCTAssertEqual(access.logins.count, 0)
    }

    /// The address is read like every other query (`QueryParameters`, as `/pixel.gif` reads its
    /// own): names are percent-decoded too, and `+` is a space.
    func testTheLoginAddressIsReadLikeEveryOtherQuery() throws {
        let encodedName = try XCTUnwrap(access.login(request("/?%74oken=\(token)")))
        XCTAssertEqual(encodedName.status, .seeOther, "a percent-encoded name is still `token`")
        let spaced = StatsAccess(statsToken: "correct horse battery staple", metricsToken: nil)
        let plus = try XCTUnwrap(spaced.login(request("/?token=correct+horse+battery%20staple")))
        XCTAssertEqual(plus.status, .seeOther, "`+` is a space, as in any form-encoded query")
        let beside = try XCTUnwrap(access.login(request("/?token=\(token)&x=%zz&y=%FF")))
        XCTAssertEqual(beside.status, .seeOther, "another parameter's bad escape does not hide the token")
    }

    func testComparisonIsExactWhateverTheLengths() {
        XCTAssertTrue(StatsAccess.same(Array("abc".utf8), Array("abc".utf8)))
        XCTAssertFalse(StatsAccess.same(Array("abd".utf8), Array("abc".utf8)))
        XCTAssertFalse(StatsAccess.same(Array("ab".utf8), Array("abc".utf8)))
        XCTAssertFalse(StatsAccess.same(Array("abcd".utf8), Array("abc".utf8)))
        XCTAssertFalse(StatsAccess.same([], Array("abc".utf8)))
        // Lengths that differ by a multiple of 256 must not look equal.
        XCTAssertFalse(StatsAccess.same(Array(repeating: 0, count: 256), []))
    }

    func testLoopbackAddresses() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "localhost"] {
            XCTAssertTrue(ListenAddress.isLoopback(host), host)
        }
        for host in ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2"] {
            XCTAssertFalse(ListenAddress.isLoopback(host), host)
        }
    }

    func testASiteTokenSeesOnlyItsSiteAndIsComparedLikeEveryToken() throws {
        let shop = "shop-token-0123456789abcdef"
        let access = StatsAccess(
            statsToken: token, metricsToken: nil, siteTokens: [(site: "shop.example", token: shop)])
        XCTAssertEqual(access.grant(head("/", [("Authorization", "Bearer \(token)")])), .everything)
        XCTAssertEqual(access.grant(head("/", [("Authorization", "Bearer \(shop)")])), .site("shop.example"))
        XCTAssertNil(access.grant(head("/", [("Authorization", "Bearer \(shop)x")])))
        XCTAssertNil(access.grant(head("/")))
        let login = try XCTUnwrap(access.login(request("/?token=\(shop)")))
        XCTAssertEqual(login.headers["Location"], "/?site=shop.example")
        let cookie = try XCTUnwrap(login.headers["Set-Cookie"])
        let session = String(cookie.prefix { $0 != ";" }.dropFirst("analytics_session=".count))
        XCTAssertEqual(access.grant(head("/", [("Cookie", "analytics_session=\(session)")])), .site("shop.example"))
        // Site tokens alone protect the statistics too.
        let sitesOnly = StatsAccess(
            statsToken: nil, metricsToken: nil, siteTokens: [(site: "shop.example", token: shop)])
        XCTAssertTrue(sitesOnly.protectsStatistics)
        XCTAssertNil(sitesOnly.grant(head("/")))
    }
}
