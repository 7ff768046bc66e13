import Foundation
import HTTPServer
import TestSupport
import XCTest

/// The tracker as websites use it: `GET /script.js` from the producer, and in headless Chromium on
/// a page served from another loopback origin, the events it sends read back from the topic.
final class TrackerScriptTests: PipelineTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try pipeline.startProducer()
    }

    func testTheScriptIsSmallCachedForADayRevalidatedAndGzipped() throws {
        let client = try RawHTTPClient(port: pipeline.producerPort)
        let plain = try client.request("GET", "/script.js")
        XCTAssertEqual(plain.status, 200)
        XCTAssertEqual(plain.header("Content-Type"), "text/javascript; charset=utf-8")
        XCTAssertEqual(plain.header("Cache-Control"), "public, max-age=86400")
        XCTAssertEqual(plain.header("Vary"), "Accept-Encoding")
        XCTAssertNil(plain.header("Set-Cookie"))
        XCTAssertTrue(plain.text.contains("sendBeacon"))
        XCTAssertFalse(plain.text.contains("localStorage") || plain.text.contains("document.cookie"), "no storage")
        let etag = try XCTUnwrap(plain.header("ETag"))

        let zipped = try client.request("GET", "/script.js", headers: ["Accept-Encoding": "gzip, deflate, br"])
        XCTAssertEqual(zipped.header("Content-Encoding"), "gzip")
        XCTAssertLessThanOrEqual(zipped.body.count, 2048, "at most 2 KB gzipped")
        XCTAssertEqual(try ContentDecoder.decode(zipped.body, coding: .gzip, limit: 1 << 20), plain.body)
        let zippedTag = try XCTUnwrap(zipped.header("ETag"))
        XCTAssertNotEqual(zippedTag, etag)

        let notModified = try client.request("GET", "/script.js", headers: ["If-None-Match": etag])
        XCTAssertEqual(notModified.status, 304)
        XCTAssertTrue(notModified.body.isEmpty)
        XCTAssertEqual(notModified.header("ETag"), etag)
        let head = try client.request("HEAD", "/script.js", headers: ["Accept-Encoding": "gzip"])
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Length"), String(zipped.body.count))
        XCTAssertTrue(head.body.isEmpty)
        print("tracker script: \(plain.body.count) bytes, \(zipped.body.count) gzipped")
    }

    func testInChromiumItSendsPageViewsOnLoadAndPushStateCustomEventsAndOutboundClicks() throws {
        let site = try TestSite(producerPort: pipeline.producerPort)
        let browser = try Browser()
        // A page that asks not to be tracked sends nothing.
        try browser.open(site.url("dnt.html"))
        XCTAssertTrue(browser.wait(until: "return typeof window.analytics === 'function';"), "the tracker ran there")
        _ = try browser.run("window.analytics('ignored');")
        try browser.open(site.url("start.html"))
        _ = try browser.run("document.getElementById('go').click();")
        XCTAssertTrue(browser.wait(until: "return location.pathname === '/shop.html' && !!window.analytics.call;"))
        let userAgent = try XCTUnwrap(try browser.run("return navigator.userAgent;") as? String)
        _ = try browser.run(
            """
            history.pushState({}, '', '/pricing?utm_source=newsletter&utm_campaign=winter');
            history.replaceState({}, '', location.href);
            history.pushState({}, '', '/checkout#step-1');
            history.pushState({}, '', '/checkout#step-2');
            window.analytics('signup', {plan: 'pro'});
            document.getElementById('partner').click();
            """)

        var records: [[String: Any]] = []
        Wait.until(timeout: 20, interval: 0.25) {
            records = ((try? self.pipeline.records()) ?? []).map(\.json)
            return records.count >= 5
        }
        Thread.sleep(forTimeInterval: 1)  // nothing more arrives
        records = try pipeline.records().map(\.json)
        let summary = records.map { "\($0["type"] ?? "") \($0["url"] ?? "")" }.sorted()
        XCTAssertEqual(
            summary,
            [
                // One page view for /checkout: a new fragment is the same page; the producer drops it.
                "click \(site.url("checkout"))", "page_view \(site.url("checkout"))",
                "page_view \(site.url("pricing?utm_source=newsletter&utm_campaign=winter"))",
                "page_view \(site.url("shop.html"))", "signup \(site.url("checkout"))",
            ], pipeline.output)
        let sessions = Set(records.compactMap { $0["session_id"] as? String })
        XCTAssertEqual(sessions.count, 1, "one tab, one session")
        XCTAssertNotNil(UUID(uuidString: sessions.first ?? ""))
        for record in records {
            XCTAssertEqual(record["referrer"] as? String, site.url("start.html"), "the page that linked here")
            XCTAssertEqual(record["user_agent"] as? String, userAgent)
            XCTAssertEqual(record["bot"] as? Bool ?? false, userAgent.contains("HeadlessChrome"), "a headless browser")
            XCTAssertNotNil(record["visitor_id"] as? String)
            XCTAssertEqual(record["site"] as? String, "shop.example", "data-site names the site")
        }
        let signup = try XCTUnwrap(records.first { $0["type"] as? String == "signup" })
        XCTAssertEqual(signup["metadata"] as? [String: String], ["plan": "pro"])
        let click = try XCTUnwrap(records.first { $0["type"] as? String == "click" })
        XCTAssertEqual(click["metadata"] as? [String: String], ["outbound_url": "http://partner.invalid/deal"])
    }
}

/// Pages on a loopback origin of their own (Python's `http.server`), including the producer's
/// tracker as a website would.
private final class TestSite {
    let directory: URL
    let server: ServiceProcess
    let port: Int

    init(producerPort: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("tracker-site-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let tracker = "http://127.0.0.1:\(producerPort)/script.js"
        let pages = [
            "start.html": #"<!doctype html><title>Start</title><a id="go" href="/shop.html">Shop</a>"#,
            "shop.html": """
            <!doctype html><title>Shop</title>
            <script defer data-track-outbound data-site="shop.example" src="\(tracker)"></script>
            <a id="partner" href="http://partner.invalid/deal">Partner</a> <a id="local" href="/about">About</a>
            """,
            "dnt.html": """
            <!doctype html><title>Private</title>
            <script>Object.defineProperty(navigator, 'globalPrivacyControl', {value: true});</script>
            <script defer data-respect-dnt src="\(tracker)"></script>
            """,
        ]
        for (name, html) in pages {
            try html.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        server = try ServiceProcess(
            "site", executable: URL(fileURLWithPath: "/usr/bin/env"),
            arguments: [
                "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", directory.path,
            ])
        guard server.waitForOutput("Serving HTTP on", timeout: 20),
            let port = server.stdout.firstMatch(of: /port (\d+)/).flatMap({ Int($0.output.1) })
        else { throw PipelineError.notReady(server.output) }
        self.port = port
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)/\(path)" }

    deinit {
        server.signal(SIGTERM)
        try? FileManager.default.removeItem(at: directory)
    }
}
