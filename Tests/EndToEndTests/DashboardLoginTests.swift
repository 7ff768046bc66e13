import Foundation
import TestSupport
import XCTest

/// `GET /?token=` against the real consumer, in raw HTTP: the cookie it sets is a random session,
/// never the master token, and works only for as long as this process remembers it.
final class DashboardLoginTests: PipelineTestCase {
    private let token = "login-token-0123456789abcdef"

    private func get(_ port: Int, _ path: String, _ headers: [String: String] = [:]) throws -> RawHTTPResponse {
        try RawHTTPClient(port: port, timeout: 10).request("GET", path, headers: headers)
    }

    private func startConsumer() throws -> (ServiceProcess, Int) {
        try pipeline.startConsumer(environment: [
            "STATS_TOKEN": token, "STATS_HOST": "127.0.0.1", "TRUSTED_PROXIES": "127.0.0.1",
        ])
    }

    /// The `name=value` pair of a `Set-Cookie` header.
    private func pair(of cookie: String) -> String {
        String(cookie.prefix { $0 != ";" })
    }

    func testTheCookieIsARandomSessionThatWorksAndIsFlaggedAndAForgedOneFails() throws {
        let (_, port) = try startConsumer()
        let login = try get(port, "/?token=\(token)")
        XCTAssertEqual(login.status, 303, login.description)
        let cookie = try XCTUnwrap(login.header("Set-Cookie"))
        XCTAssertFalse(cookie.contains(token), "the cookie carries the master token: \(cookie)")
        for flag in ["HttpOnly", "SameSite=Strict", "Path=/"] {
            XCTAssertTrue(
                cookie.split(separator: ";").contains { $0.trimmingCharacters(in: .whitespaces) == flag }, cookie)
        }
        XCTAssertFalse(cookie.contains("Secure"), "plain HTTP, no proxy said https: \(cookie)")
        let session = pair(of: cookie)
        XCTAssertEqual(try get(port, "/", ["Cookie": session]).status, 200)
        XCTAssertEqual(try get(port, "/analytics", ["Cookie": "theme=dark; \(session)"]).status, 200)
        XCTAssertNotEqual(
            pair(of: try XCTUnwrap(try get(port, "/?token=\(token)").header("Set-Cookie"))), session,
            "each login gets a session of its own")

        let name = String(session.prefix { $0 != "=" })
        let value = session.dropFirst(name.count + 1)
        let forged = String(value.dropLast()) + (value.hasSuffix("0") ? "1" : "0")
        for cookie in ["\(name)=\(forged)", "\(name)=\(token)", "analytics_token=\(token)", "\(name)="] {
            XCTAssertEqual(try get(port, "/analytics", ["Cookie": cookie]).status, 401, cookie)
        }
    }

    func testBehindATrustedProxyThatSaysHTTPSTheCookieIsSecure() throws {
        let (_, port) = try startConsumer()
        let login = try get(port, "/?token=\(token)", ["X-Forwarded-Proto": "https"])
        let cookie = try XCTUnwrap(login.header("Set-Cookie"))
        XCTAssertTrue(
            cookie.split(separator: ";").contains { $0.trimmingCharacters(in: .whitespaces) == "Secure" }, cookie)
        let forwarded = try get(port, "/?token=\(token)", ["Forwarded": "for=192.0.2.7;proto=https"])
        XCTAssertTrue(try XCTUnwrap(forwarded.header("Set-Cookie")).contains("; Secure"))
    }

    func testARestartedConsumerHasForgottenEverySession() throws {
        let (consumer, port) = try startConsumer()
        let session = pair(of: try XCTUnwrap(try get(port, "/?token=\(token)").header("Set-Cookie")))
        XCTAssertEqual(try get(port, "/analytics", ["Cookie": session]).status, 200)
        consumer.signal(SIGTERM)
        XCTAssertEqual(consumer.waitForExit(timeout: 15), 0, consumer.output)
        let (_, restartedPort) = try startConsumer()
        XCTAssertEqual(try get(restartedPort, "/analytics", ["Cookie": session]).status, 401)
    }
}
