import HTTPServer
import XCTest

@testable import consumer

final class StatsAccessTests: XCTestCase {
    private let token = "0123456789abcdef0123456789abcdef"
    private var access: StatsAccess { StatsAccess(statsToken: token, metricsToken: "metrics-token-0123456789") }

    private func head(_ target: String = "/", _ headers: [(String, String)] = []) -> HTTPRequestHead {
        HTTPRequestHead(method: "GET", target: target, version: .http1_1, headers: HTTPHeaders(headers))
    }

    func testWithoutTokensEverythingIsOpen() {
        let open = StatsAccess(statsToken: nil, metricsToken: nil)
        XCTAssertFalse(open.protectsStatistics)
        XCTAssertTrue(open.allowsStatistics(head()))
        XCTAssertTrue(open.allowsMetrics(head()))
    }

    func testStatisticsNeedTheBearerTokenOrTheCookie() {
        XCTAssertFalse(access.allowsStatistics(head()))
        XCTAssertTrue(access.allowsStatistics(head("/", [("Authorization", "Bearer \(token)")])))
        XCTAssertTrue(access.allowsStatistics(head("/", [("Authorization", "bearer \(token)")])))
        XCTAssertTrue(access.allowsStatistics(head("/", [("Cookie", "theme=dark; analytics_token=\(token)")])))
        XCTAssertFalse(access.allowsStatistics(head("/", [("Authorization", "Bearer \(token)x")])))
        XCTAssertFalse(access.allowsStatistics(head("/", [("Authorization", "Bearer \(token.dropLast())")])))
        XCTAssertFalse(access.allowsStatistics(head("/", [("Authorization", "Basic \(token)")])))
        XCTAssertFalse(access.allowsStatistics(head("/", [("Cookie", "other_token=\(token)")])))
        XCTAssertFalse(access.allowsStatistics(head("/", [("Cookie", "analytics_token=")])))
    }

    func testMetricsTokenIsSeparateAndBearerOnly() {
        XCTAssertFalse(access.allowsMetrics(head("/metrics", [("Authorization", "Bearer \(token)")])))
        XCTAssertFalse(access.allowsMetrics(head("/metrics", [("Cookie", "analytics_token=metrics-token-0123456789")])))
        XCTAssertTrue(access.allowsMetrics(head("/metrics", [("Authorization", "Bearer metrics-token-0123456789")])))
    }

    func testLoginWithTheRightTokenSetsAStrictHttpOnlyCookieAndRedirectsItOutOfTheAddress() throws {
        XCTAssertNil(access.login(head("/")))
        let response = try XCTUnwrap(access.login(head("/?token=\(token)")))
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertEqual(response.headers["Location"], "/")
        let cookie = try XCTUnwrap(response.headers["Set-Cookie"])
        XCTAssertTrue(cookie.hasPrefix("analytics_token=\(token);"), cookie)
        for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] { XCTAssertTrue(cookie.contains(attribute), cookie) }
    }

    func testLoginWithAWrongTokenIs401AndSetsNothing() throws {
        let response = try XCTUnwrap(access.login(head("/?token=guess&x=1")))
        XCTAssertEqual(response.status, .unauthorized)
        XCTAssertNil(response.headers["Set-Cookie"])
        XCTAssertEqual(response.headers["Content-Type"], "application/json")
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
}
