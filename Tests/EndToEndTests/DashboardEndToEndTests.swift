import Foundation
import TestSupport
import XCTest

/// The dashboard's endpoints on a real consumer reading the development broker, byte for byte:
/// headers and revalidation of the page and its assets, the live stream and its limits, shutdown,
/// and access control.
final class DashboardEndToEndTests: PipelineTestCase {
    private func get(_ port: Int, _ path: String, method: String = "GET", _ headers: [String: String] = [:]) throws
        -> RawHTTPResponse
    {
        try RawHTTPClient(port: port, timeout: 10).request(method, path, headers: headers)
    }

    private func openStream(_ port: Int, headers: String = "") throws -> StreamClient {
        let client = try RawHTTPClient(port: port, timeout: 10)
        try client.send("GET /analytics/stream HTTP/1.1\r\nHost: localhost\r\n\(headers)\r\n")
        let head = try client.readHead()
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Type"), "text/event-stream; charset=utf-8")
        XCTAssertEqual(head.header("Transfer-Encoding"), "chunked")
        return StreamClient(client)
    }

    func testPageAndAssetsCarryTheSecurityHeadersAndAreRevalidatedWith304() throws {
        let (consumer, port) = try pipeline.startConsumer()
        let page = try get(port, "/")
        XCTAssertEqual(page.status, 200, pipeline.output)
        XCTAssertEqual(page.header("Content-Type"), "text/html; charset=utf-8")
        let policy = try XCTUnwrap(page.header("Content-Security-Policy"))
        XCTAssertTrue(policy.contains("script-src 'self'"), policy)
        XCTAssertFalse(policy.contains("unsafe-inline"), policy)
        XCTAssertTrue(policy.contains("frame-ancestors 'none'"), policy)
        XCTAssertEqual(page.header("X-Content-Type-Options"), "nosniff")
        XCTAssertEqual(page.header("Referrer-Policy"), "same-origin")
        XCTAssertEqual(page.header("X-Frame-Options"), "DENY")
        XCTAssertEqual(page.header("Cache-Control"), "no-cache")
        // The page runs no inline script and has no inline style: both live in their own assets.
        let html = page.text
        XCTAssertNil(html.firstMatch(of: /<script(?![^>]*\bsrc=)[^>]*>/), "an inline script")
        XCTAssertNil(html.firstMatch(of: /\sstyle=/), "an inline style")
        XCTAssertTrue(html.contains(#"<meta name="dashboard-refresh-ms" content="1000">"#))

        let scriptPath = try XCTUnwrap(html.firstMatch(of: /src="(\/assets\/dashboard-[0-9a-f]{16}\.js)"/)?.output.1)
        let stylePath = try XCTUnwrap(html.firstMatch(of: /href="(\/assets\/dashboard-[0-9a-f]{16}\.css)"/)?.output.1)
        for (path, type) in [(String(scriptPath), "text/javascript"), (String(stylePath), "text/css")] {
            let asset = try get(port, path)
            XCTAssertEqual(asset.status, 200, path)
            XCTAssertTrue(asset.header("Content-Type")?.hasPrefix(type) == true, path)
            XCTAssertEqual(asset.header("Cache-Control"), "public, max-age=31536000, immutable")
            XCTAssertEqual(asset.header("X-Content-Type-Options"), "nosniff")
            let etag = try XCTUnwrap(asset.header("ETag"))
            XCTAssertTrue(
                path.contains(etag.trimmingCharacters(in: CharacterSet(charactersIn: "\""))), "URL names the content")
            let revalidated = try get(port, path, ["If-None-Match": etag])
            XCTAssertEqual(revalidated.status, 304)
            XCTAssertEqual(revalidated.body, [])
            XCTAssertEqual(revalidated.header("ETag"), etag)
            let head = try get(port, path, method: "HEAD")
            XCTAssertEqual(head.status, 200)
            XCTAssertEqual(head.header("Content-Length"), String(asset.body.count))
            XCTAssertEqual(head.body, [])
        }
        let etag = try XCTUnwrap(page.header("ETag"))
        let revalidated = try get(port, "/", ["If-None-Match": etag])
        XCTAssertEqual(revalidated.status, 304)
        XCTAssertEqual(revalidated.header("Content-Security-Policy"), policy)
        XCTAssertEqual(try get(port, "/", method: "HEAD").body, [])
        // Listening on every interface without STATS_TOKEN: one warning at start says so.
        XCTAssertEqual(consumer.stderr.components(separatedBy: "the statistics are public").count - 1, 1)
        XCTAssertTrue(consumer.stderr.contains("dashboard on http://localhost:\(port)/"), consumer.stderr)
    }

    func testStreamSendsTheSnapshotAtOnceAndTheNewFiguresWhenAnEventIsAccepted() throws {
        try pipeline.startProducer()
        let (_, port) = try pipeline.startConsumer(environment: ["DASHBOARD_REFRESH_MS": "250"])
        let stream = try openStream(port)
        let first = try stream.nextMessage()
        XCTAssertEqual(first.retry, 2000)
        XCTAssertEqual(first.json["total_events"] as? Int, 0, "\(first)")
        let expectedKeys: Set<String> = Set(pipeline.analytics(port: port).keys)
        XCTAssertEqual(Set(first.json.keys), expectedKeys, "snapshots on the stream have the /analytics shape")

        XCTAssertEqual(try pipeline.post("/event", SampleEvents.all[0]).status, 202)
        var latest = first
        let deadline = Date().addingTimeInterval(30)
        while latest.json["total_events"] as? Int != 1 && Date() < deadline {
            let message = try stream.nextMessage()
            if message.event == nil && message.data != nil { latest = message }
        }
        XCTAssertEqual(latest.json["total_events"] as? Int, 1)
        XCTAssertEqual((latest.json["events_by_type"] as? [String: Int])?["page_view"], 1)
        XCTAssertEqual(latest.json["consumer_lag"] as? Int, 0)
        // Then, with nothing new, the stream says so instead of going silent.
        let quiet = try stream.nextMessage()
        XCTAssertEqual(quiet.event, "unchanged", "\(quiet)")
    }

    func testBeyondMaxStreamsTheNextStreamIs503WithRetryAfter() throws {
        let (_, port) = try pipeline.startConsumer(environment: ["MAX_STREAMS": "2"])
        let streams = try (0..<2).map { _ in try openStream(port) }
        for stream in streams { _ = try stream.nextMessage() }
        let refused = try get(port, "/analytics/stream")
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "5")
        XCTAssertEqual(refused.header("Content-Type"), "application/json")
        XCTAssertTrue((refused.json["error"] as? String)?.contains("MAX_STREAMS") == true, refused.text)
        // /analytics is not a stream and still answers.
        XCTAssertEqual(try get(port, "/analytics").status, 200)
        let metrics = try get(port, "/metrics").text
        XCTAssertTrue(metrics.contains("dashboard_streams 2"), metrics)
        XCTAssertTrue(metrics.contains("dashboard_streams_refused_total 1"), metrics)
    }

    func testSIGTERMEndsEveryOpenStreamAndTheConsumerStillExitsCleanly() throws {
        let (consumer, port) = try pipeline.startConsumer(environment: ["SHUTDOWN_TIMEOUT": "10"])
        let streams = try (0..<3).map { _ in try openStream(port) }
        for stream in streams { _ = try stream.nextMessage() }
        let signalled = Date()
        consumer.signal(SIGTERM)
        for stream in streams {
            XCTAssertTrue(try stream.readToEnd(), "each stream ends with its last chunk, then its connection closes")
        }
        XCTAssertLessThan(Date().timeIntervalSince(signalled), 5, "the streams ended only when the process did")
        XCTAssertEqual(consumer.waitForExit(timeout: 15), 0, consumer.output)
    }

    func testStatsTokenGuardsTheDashboardTheStatisticsAndTheStreamButNotHealth() throws {
        let token = "e2e-token-0123456789abcdef"
        let metricsToken = "metrics-0123456789abcdef"
        let (consumer, port) = try pipeline.startConsumer(environment: [
            "STATS_TOKEN": token, "METRICS_TOKEN": metricsToken, "STATS_HOST": "127.0.0.1",
        ])
        for path in ["/", "/analytics", "/analytics/stream", "/metrics"] {
            let denied = try get(port, path)
            XCTAssertEqual(denied.status, 401, path)
            XCTAssertEqual(denied.header("WWW-Authenticate"), #"Bearer realm="analytics""#, path)
            XCTAssertNotNil(denied.json["error"] as? String, path)
        }
        XCTAssertEqual(try get(port, "/health").status, 200)
        let bearer = ["Authorization": "Bearer \(token)"]
        XCTAssertEqual(try get(port, "/", bearer).status, 200)
        XCTAssertEqual(try get(port, "/analytics", bearer).status, 200)
        XCTAssertEqual(try get(port, "/metrics", bearer).status, 401, "the stats token is not the metrics token")
        XCTAssertEqual(try get(port, "/metrics", ["Authorization": "Bearer \(metricsToken)"]).status, 200)

        XCTAssertEqual(try get(port, "/?token=not-the-token").status, 401)
        let login = try get(port, "/?token=\(token)")
        XCTAssertEqual(login.status, 303)
        XCTAssertEqual(login.header("Location"), "/")
        let cookie = try XCTUnwrap(login.header("Set-Cookie"))
        XCTAssertTrue(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"), cookie)
        let pair = try XCTUnwrap(cookie.split(separator: ";").first).description
        XCTAssertEqual(try get(port, "/", ["Cookie": pair]).status, 200)
        XCTAssertEqual(try get(port, "/analytics", ["Cookie": pair]).status, 200)
        let stream = try openStream(port, headers: "Cookie: \(pair)\r\n")
        XCTAssertNotNil(try stream.nextMessage().json["total_events"])
        // On loopback with a token there is nothing to warn about.
        XCTAssertFalse(consumer.stderr.contains("the statistics are public"), consumer.stderr)
    }

    /// Issue 29: the consumer reflected any `Origin` (`https://evil.test` was seen), so with the
    /// public listener and no token any page a person visited could read their statistics. The
    /// dashboard is same-origin: no CORS at all unless the operator lists origins.
    func testNoOriginMayReadTheStatisticsUnlessTheOperatorListsIt() throws {
        let (_, port) = try pipeline.startConsumer()
        let evil = ["Origin": "https://evil.test"]
        for path in ["/analytics", "/", "/health"] {
            let response = try get(port, path, evil)
            XCTAssertEqual(response.status, 200, path)
            XCTAssertNil(response.header("Access-Control-Allow-Origin"), "\(path): \(response)")
        }
        let preflight = try get(
            port, "/analytics", method: "OPTIONS",
            ["Origin": "https://evil.test", "Access-Control-Request-Method": "GET"])
        XCTAssertEqual(preflight.status, 204)
        XCTAssertNil(preflight.header("Access-Control-Allow-Origin"), "\(preflight)")
        XCTAssertNil(preflight.header("Access-Control-Allow-Methods"), "\(preflight)")
        XCTAssertEqual(preflight.header("X-Content-Type-Options"), "nosniff", "a preflight carries the common headers")
        XCTAssertNotNil(preflight.header("Content-Security-Policy"), "\(preflight)")

        let (_, listed) = try pipeline.startConsumer(environment: [
            "STATS_ALLOWED_ORIGINS": "https://intranet.example", "CONSUMER_GROUP": "cors-\(UUID().uuidString)",
        ])
        let allowed = try get(listed, "/analytics", ["Origin": "https://intranet.example"])
        XCTAssertEqual(allowed.header("Access-Control-Allow-Origin"), "https://intranet.example")
        XCTAssertEqual(allowed.header("Vary"), "Origin")
        XCTAssertNil(try get(listed, "/analytics", evil).header("Access-Control-Allow-Origin"))
        let listedPreflight = try get(
            listed, "/analytics", method: "OPTIONS",
            ["Origin": "https://intranet.example", "Access-Control-Request-Method": "GET"])
        XCTAssertEqual(listedPreflight.header("Access-Control-Allow-Origin"), "https://intranet.example")
        XCTAssertEqual(listedPreflight.header("X-Frame-Options"), "DENY")
    }

    func testBadDashboardSettingsStopTheConsumerWithOneLineNamingThem() throws {
        for (name, value, expected) in [
            ("DASHBOARD_REFRESH_MS", "50", "a whole number from 100 to 60000"),
            ("MAX_STREAMS", "lots", "a whole number from 0 to 10000"),
            ("STATS_TOKEN", "short", "16 to 256 letters"),
            ("METRICS_TOKEN", "has spaces in it, which cookies and headers mangle", "16 to 256 letters"),
            ("STATS_ALLOWED_ORIGINS", "*", #"("*" is not)"#),
            ("STATS_ALLOWED_ORIGINS", "intranet.example", "a comma-separated list of origins"),
        ] {
            let consumer = try ServiceProcess(
                "consumer", environment: ["KAFKA_BROKERS": pipeline.brokers, "STATS_PORT": "0", name: value])
            XCTAssertEqual(consumer.waitForExit(timeout: 15), 2, name)
            XCTAssertTrue(consumer.stderr.contains("invalid \(name)="), consumer.stderr)
            XCTAssertTrue(consumer.stderr.contains(expected), consumer.stderr)
            if name.hasSuffix("TOKEN") { XCTAssertFalse(consumer.stderr.contains(value), "a secret was printed") }
        }
    }
}
