import Foundation
import TestSupport
import XCTest

/// The history writer against a real ClickHouse and the development broker, with the real
/// binaries: every accepted event becomes exactly one row — `count()` equals `uniqExact(id)`
/// equals the events accepted, without `FINAL` — through a writer killed in the middle of an
/// insert, a rebalance between two writers, ClickHouse killed and restarted, and ClickHouse gone
/// for a minute.
final class HistoryExactlyOnceTests: HistoryTestCase {
    func testEveryAcceptedEventIsOneRowWithItsFieldsByteForByte() throws {
        try pipeline.startProducer()
        let (consumer, statsPort) = try pipeline.startConsumer(environment: historyEnvironment)
        XCTAssertEqual(try send("plain", count: 1200), 1200)
        // A retry of the same id is stored once.
        let retriedID = eventID("retried", 1)
        let retried = #"{"type":"click","id":"\#(retriedID)","session_id":"s-retry"}"#
        XCTAssertEqual(try pipeline.post("/event", retried).status, 202)
        XCTAssertEqual(try pipeline.post("/event", retried).status, 202)
        // Hostile strings: quotes, backslashes, a tab, NUL, SQL, 4-byte UTF-8.
        let path = "/it's \"q\" \\ back\ttab \u{0} nul 😀 '); DROP TABLE events; --"
        let hostile = """
            {"type":"page_view","id":"\(eventID("hostile", 1))","session_id":"s-hostile","path":\(JSONQuote(path)),\
            "url":"https://shop.example/x?utm_campaign=%27%29%3B%20DROP%20TABLE%20events%3B%20--&utm_source=nul%00byte",\
            "user_agent":"Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/120.0","referrer":"https://www.news.example/a"}
            """
        XCTAssertEqual(try pipeline.post("/event", hostile).status, 202)
        let counts = waitForStored(1202)
        XCTAssertEqual(counts.rows, 1202, consumer.output)
        XCTAssertEqual(counts.ids, 1202)
        let row = try clickHouse.query(
            """
            SELECT hex(path), hex(utm_campaign), hex(utm_source), source, site, hostname, browser, os, device, type
            FROM analytics.events WHERE id = '\(eventID("hostile", 1))' FORMAT TabSeparated
            """
        ).trimmingCharacters(in: .newlines).split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(
            row,
            [
                hex(path), hex("'); DROP TABLE events; --"), hex("nul\u{0}byte"), "nul\\0byte", "shop.example",
                "shop.example", "Firefox", "Windows", "desktop", "page_view",
            ])
        XCTAssertEqual(try clickHouse.query("SELECT count() FROM analytics.events WHERE id = '\(retriedID)'"), "1\n")
        let metrics = historyMetrics(port: statsPort)
        XCTAssertEqual(metrics["history_enabled"], 1)
        XCTAssertEqual(metrics["history_failing"], 0)
        XCTAssertEqual(metrics["history_duplicates_total"], 1)
        let history = pipeline.analytics(port: statsPort)["history"] as? [String: Any]
        XCTAssertEqual(history?["state"] as? String, "writing")
    }

    func testAWriterKilledInTheMiddleOfAnInsertResumesWithoutLossOrDuplicates() throws {
        try pipeline.startProducer()
        let (first, _) = try pipeline.startConsumer(environment: historyEnvironment)
        let sender = sendInBackground("killed", count: 25_000)
        XCTAssertTrue(waitForAnInsertInFlight(), first.output)
        first.signal(SIGKILL)
        XCTAssertNotNil(first.waitForExit(timeout: 10))
        let stoppedAt = try storedCounts()
        try pipeline.startConsumer(environment: historyEnvironment)
        let accepted = sender.wait()
        XCTAssertEqual(accepted, 25_000)
        let counts = waitForStored(accepted)
        XCTAssertEqual(counts.rows, accepted, "stored when the writer was killed: \(stoppedAt)")
        XCTAssertEqual(counts.ids, accepted)
    }

    func testARebalanceBetweenTwoWritersStoresEachEventOnce() throws {
        try pipeline.startProducer()
        let (first, _) = try pipeline.startConsumer(environment: historyEnvironment)
        let sender = sendInBackground("rebalanced", count: 20_000)
        XCTAssertTrue(waitForStored(2_000, timeout: 60).rows >= 2_000, first.output)
        let (second, _) = try pipeline.startConsumer(environment: historyEnvironment)
        XCTAssertTrue(second.waitForOutput("history: resuming partitions", timeout: 60), second.output)
        // The first leaves in the middle of the stream: its partitions move to the second.
        first.signal(SIGTERM)
        XCTAssertEqual(first.waitForExit(timeout: 30), 0, first.output)
        let accepted = sender.wait()
        let counts = waitForStored(accepted)
        XCTAssertEqual(counts.rows, accepted, second.output)
        XCTAssertEqual(counts.ids, accepted)
    }

    func testClickHouseKilledInTheMiddleOfAnInsertAndRestartedLosesAndRepeatsNothing() throws {
        try pipeline.startProducer()
        let (consumer, statsPort) = try pipeline.startConsumer(environment: historyEnvironment)
        let sender = sendInBackground("crashed", count: 25_000)
        XCTAssertTrue(waitForAnInsertInFlight(), consumer.output)
        clickHouse.kill()
        XCTAssertTrue(
            Wait.until(timeout: 30) { self.historyMetrics(port: statsPort)["history_failing"] == 1 }, consumer.output)
        try clickHouse.start()
        let accepted = sender.wait()
        let counts = waitForStored(accepted)
        XCTAssertEqual(counts.rows, accepted, consumer.output)
        XCTAssertEqual(counts.ids, accepted)
        XCTAssertTrue(
            Wait.until(timeout: 30) { self.historyMetrics(port: statsPort)["history_failing"] == 0 }, consumer.output)
    }

    func testClickHouseGoneForAMinuteStallsNeitherTheLiveViewNorTheProducerAndLosesNothing() throws {
        try pipeline.startProducer()
        let (consumer, statsPort) = try pipeline.startConsumer(environment: historyEnvironment)
        XCTAssertEqual(try send("before", count: 1000), 1000)
        XCTAssertEqual(waitForStored(1000).rows, 1000)
        clickHouse.stop()
        let gone = Date()
        // While it is gone: events are accepted and counted live; the history says it is failing.
        XCTAssertEqual(try send("during", count: 3000), 3000)
        XCTAssertEqual(pipeline.waitForTotal(4000, port: statsPort)["total_events"] as? Int, 4000, consumer.output)
        XCTAssertTrue(
            Wait.until(timeout: 30) {
                (self.pipeline.analytics(port: statsPort)["history"] as? [String: Any])?["state"] as? String
                    == "failing"
            }, consumer.output)
        XCTAssertEqual(historyMetrics(port: statsPort)["history_failing"], 1)
        // The dashboard's footer says so, in a real browser.
        let browser = try Browser(width: 1280, height: 900)
        try browser.open("http://127.0.0.1:\(statsPort)/")
        XCTAssertTrue(
            browser.wait(
                timeout: 20,
                until:
                    "return document.querySelector('[data-footer=\"history\"]').textContent.startsWith('failing since');"
            ), (try? browser.text("[data-footer=\"history\"]")).flatMap { $0 } ?? "(no footer)")
        Thread.sleep(until: gone.addingTimeInterval(60))
        XCTAssertEqual(try send("late", count: 1000), 1000)
        try clickHouse.start()
        let counts = waitForStored(5000, timeout: 120)
        XCTAssertEqual(counts.rows, 5000, consumer.output)
        XCTAssertEqual(counts.ids, 5000)
        XCTAssertTrue(consumer.stderr.contains("history: inserts succeed again"), consumer.output)
        XCTAssertTrue(
            browser.wait(
                timeout: 20,
                until: "return document.querySelector('[data-footer=\"history\"]').textContent === 'up to date';"),
            (try? browser.text("[data-footer=\"history\"]")).flatMap { $0 } ?? "(no footer)")
    }

    private func hex(_ text: String) -> String {
        text.utf8.map { String(format: "%02X", $0) }.joined()
    }
}

/// `text` as a JSON string literal.
func JSONQuote(_ text: String) -> String {
    let data =
        (try? JSONSerialization.data(withJSONObject: [text], options: [.fragmentsAllowed])) ?? Data("[\"\"]".utf8)
    let array = String(decoding: data, as: UTF8.self)
    return String(array.dropFirst().dropLast())
}
