import AnalyticsCore
import Foundation
import TestSupport
import XCTest

/// Events from every kind of sender as users send them: curl and Python's `urllib` (servers and
/// scripts, whose own user agent is not the visitor's), browsers through the tracker, the beacon
/// and the pixel, and bots, whose answers say they were counted apart and why.
final class SendersTests: PipelineTestCase {
    static let chrome =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
    static let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    static let headless =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.224 Safari/537.36"

    /// Posts each line of its standard input as one event with `urllib`, as the original project's
    /// Python example does (no `User-Agent` of its own: urllib sends `Python-urllib/3.x`).
    static let urllibSender = """
        import sys, urllib.request
        for line in sys.stdin:
            request = urllib.request.Request(sys.argv[1] + "/event", data=line.strip().encode(),
                headers={"Content-Type": "application/json"}, method="POST")
            with urllib.request.urlopen(request, timeout=15) as response:
                print(response.status, response.read().decode())
        """

    private func startPipeline() throws -> Int {
        try pipeline.startProducer()
        return try pipeline.startConsumer().1
    }

    /// What the four sample events must give, whoever sends them.
    private func assertTheOriginalTotals(_ stats: [String: Any], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(stats["total_events"] as? Int, 4, pipeline.output, file: file, line: line)
        XCTAssertEqual(stats["bot_events"] as? Int, 0, file: file, line: line)
        XCTAssertEqual(
            stats["events_by_type"] as? [String: Int], ["page_view": 2, "click": 1, "session": 1], file: file,
            line: line)
        XCTAssertEqual(stats["unique_users"] as? Int, 2, file: file, line: line)
        XCTAssertEqual(stats["active_sessions"] as? Int, 2, file: file, line: line)
        let pages = (stats["top_pages"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        XCTAssertEqual(pages, ["/about", "/home"], file: file, line: line)
    }

    func testTheSampleEventsSentWithCurlByTheExampleScriptCountInFull() throws {
        let statsPort = try startPipeline()
        let script = SampleEvents.examplesDirectory.appendingPathComponent("send_events.sh").path
        let sent = try ExternalCommand.run(
            ["bash", script], environment: ["PRODUCER_URL": "http://localhost:\(pipeline.producerPort)"])
        XCTAssertEqual(sent.status, 0, sent.stdout + sent.stderr)
        XCTAssertFalse(sent.stdout.contains("\"bot\""), sent.stdout)
        assertTheOriginalTotals(pipeline.waitForTotal(4, port: statsPort))

        // The two events without a body `user_agent` carry none: curl's is not the visitor's.
        let records = try pipeline.records().map(\.json)
        XCTAssertEqual(
            records.filter { $0["user_agent"] == nil }.map { $0["type"] as? String }.sorted { ($0 ?? "") < ($1 ?? "") },
            ["click", "session"])
        XCTAssertTrue(records.allSatisfy { $0["bot"] == nil })
        let metrics = try RawHTTPClient(port: pipeline.producerPort).request("GET", "/metrics").text
        for line in [
            #"events_accepted_total{classification="browser"} 2"#,
            #"events_accepted_total{classification="unknown_agent"} 2"#,
        ] {
            XCTAssertTrue(metrics.contains(line), "missing \(line) in\n\(metrics)")
        }
    }

    func testTheSampleEventsSentWithPythonsURLLibCountInFull() throws {
        let statsPort = try startPipeline()
        let sent = try ExternalCommand.run(
            ["python3", "-c", Self.urllibSender, "http://127.0.0.1:\(pipeline.producerPort)"],
            input: SampleEvents.all.joined(separator: "\n") + "\n")
        XCTAssertEqual(sent.status, 0, sent.stdout + sent.stderr)
        XCTAssertEqual(sent.stdout.split(separator: "\n").filter { $0.hasPrefix("202 ") }.count, 4, sent.stdout)
        assertTheOriginalTotals(pipeline.waitForTotal(4, port: statsPort))
    }

    func testTheREADMEsCurlExampleIsAVisitorAPageViewAndASession() throws {
        let statsPort = try startPipeline()
        // Word for word what the original project's README shows, but for the port.
        let sent = try ExternalCommand.run([
            "curl", "-sS", "-X", "POST", "http://localhost:\(pipeline.producerPort)/event",
            "-H", "Content-Type: application/json", "-d",
            #"{"type":"page_view","user_id":"user123","session_id":"session456","url":"https://example.com/home","path":"/home"}"#,
        ])
        XCTAssertEqual(sent.status, 0, sent.stderr)
        XCTAssertNotNil(sent.stdout.wholeMatch(of: /\{"status":"accepted","id":"[0-9a-f-]{36}"\}/), sent.stdout)
        let stats = pipeline.waitForTotal(1, port: statsPort)
        XCTAssertEqual(stats["bot_events"] as? Int, 0, pipeline.output)
        XCTAssertEqual(stats["unique_users"] as? Int, 1)
        XCTAssertEqual(stats["current_visitors"] as? Int, 1)
        XCTAssertEqual(stats["events_by_type"] as? [String: Int], ["page_view": 1])
        XCTAssertEqual(stats["active_sessions"] as? Int, 1)
        let pages = (stats["top_pages"] as? [[String: Any]] ?? []).map { "\($0["path"] ?? "") \($0["views"] ?? 0)" }
        XCTAssertEqual(pages, ["/home 1"])
        XCTAssertEqual(stats["device_stats"] as? [String: Int], ["unknown": 1])
        XCTAssertEqual(stats["browser_stats"] as? [String: Int], ["Unknown": 1])
        XCTAssertEqual(stats["traffic_sources"] as? [String: Int], ["direct": 1])
    }

    func testBotsAreCountedApartAndEveryAnswerSaysWhyABrowsersHeaderIsTheVisitors() throws {
        let statsPort = try startPipeline()
        func event(_ session: String, userAgent: String? = nil) -> String {
            let agent = userAgent.map { #","user_agent":"\#($0)""# } ?? ""
            return #"{"type":"page_view","session_id":"\#(session)","url":"https://example.com/p"\#(agent)}"#
        }

        // A crawler named in the body, from a server.
        let crawler = try pipeline.post("/event", event("crawler", userAgent: Self.googlebot))
        XCTAssertEqual(crawler.status, 202, crawler.description)
        XCTAssertEqual(crawler.json["status"] as? String, "accepted")
        XCTAssertNotNil(UUID(uuidString: crawler.json["id"] as? String ?? ""))
        XCTAssertEqual(crawler.json["bot"] as? Bool, true)
        XCTAssertEqual(crawler.json["reason"] as? String, #"user agent "… Googlebot/2.1 …" is a crawler"#)

        // A headless browser's beacon (text/plain, the user agent only in the header).
        let beacon = try pipeline.post(
            "/event", event("beacon"),
            headers: ["Content-Type": "text/plain;charset=UTF-8", "User-Agent": Self.headless])
        XCTAssertEqual(beacon.status, 202, beacon.description)
        XCTAssertEqual(beacon.json["bot"] as? Bool, true)
        XCTAssertEqual(
            beacon.json["reason"] as? String,
            #"user agent "… HeadlessChrome/120.0.6099.224 …" is a headless or automated browser"#)

        // A headless browser loading the pixel: the GIF, and a header that says why.
        let query = "type=page_view&session_id=pixel&url=https%3A%2F%2Fexample.com%2Fp"
        let pixel = try RawHTTPClient(port: pipeline.producerPort).request(
            "GET", "/pixel.gif?" + query, headers: ["User-Agent": Self.headless])
        XCTAssertEqual(pixel.status, 200, pixel.description)
        XCTAssertEqual(pixel.header("Content-Type"), "image/gif")
        XCTAssertEqual(
            pixel.header("X-Bot-Reason"),
            #"user agent "... HeadlessChrome/120.0.6099.224 ..." is a headless or automated browser"#)

        // The tracker's case: a browser's user agent in the header only. The answer is unchanged.
        let person = try pipeline.post("/event", event("person"), headers: ["User-Agent": Self.chrome])
        XCTAssertEqual(person.status, 202)
        XCTAssertEqual(Set(person.json.keys), ["status", "id"], person.description)
        let browserPixel = try RawHTTPClient(port: pipeline.producerPort).request(
            "GET", "/pixel.gif?" + query.replacingOccurrences(of: "=pixel", with: "=pixel2"),
            headers: ["User-Agent": Self.chrome])
        XCTAssertEqual(browserPixel.status, 200)
        XCTAssertNil(browserPixel.header("X-Bot-Reason"))

        // A batch from a script: each verdict says it, in order.
        let batch = try pipeline.post(
            "/events",
            "[\(event("b1", userAgent: Self.googlebot)),\(event("b2")),\(event("b3", userAgent: "curl/8.5.0"))]",
            headers: ["User-Agent": "python-requests/2.31.0"])
        XCTAssertEqual(batch.status, 202, batch.description)
        let results = batch.json["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.map { $0["bot"] as? Bool }, [true, nil, true], batch.description)
        XCTAssertEqual(results[safe: 0]?["reason"] as? String, #"user agent "… Googlebot/2.1 …" is a crawler"#)
        XCTAssertEqual(
            results[safe: 2]?["reason"] as? String,
            #"user agent "curl/8.5.0" is an HTTP library or command-line tool, not a browser"#)
        XCTAssertEqual(Set(results[safe: 1]?.keys.map { $0 } ?? []), ["status", "id"])

        let stats = pipeline.waitForTotal(8, port: statsPort)
        XCTAssertEqual(stats["total_events"] as? Int, 8, pipeline.output)
        XCTAssertEqual(stats["bot_events"] as? Int, 5, "Googlebot twice, the beacon, the pixel, curl named in a body")
        XCTAssertEqual(stats["active_sessions"] as? Int, 3, "the person's, the browser's pixel's, the relayed one's")
        XCTAssertEqual(stats["browser_stats"] as? [String: Int], ["Chrome": 2, "Unknown": 1])

        let metrics = try RawHTTPClient(port: pipeline.producerPort).request("GET", "/metrics").text
        for line in [
            #"events_accepted_total{classification="bot"} 5"#, #"events_accepted_total{classification="browser"} 2"#,
            #"events_accepted_total{classification="unknown_agent"} 1"#,
        ] {
            XCTAssertTrue(metrics.contains(line), "missing \(line) in\n\(metrics)")
        }
        // On the topic: bots keep their agent and the mark; the relayed event has no agent.
        let records = try pipeline.records().map(\.json)
        let bySession = Dictionary(records.map { ($0["session_id"] as? String ?? "", $0) }) { first, _ in first }
        for session in ["crawler", "beacon", "pixel", "b1", "b3"] {
            XCTAssertEqual(bySession[session]?["bot"] as? Bool, true, session)
            XCTAssertNotNil(bySession[session]?["user_agent"], session)
        }
        XCTAssertNil(bySession["b2"]?["user_agent"])
        XCTAssertNil(bySession["b2"]?["bot"])
        XCTAssertEqual(bySession["person"]?["user_agent"] as? String, Self.chrome)
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
