import Foundation
import TestSupport
import XCTest

/// A pipeline test with a real ClickHouse of its own (Debian's clickhouse-server), started before
/// each test on free ports and stopped after it, and the helpers the history tests share: sending
/// events with known ids, and reading what the history holds.
class HistoryTestCase: PipelineTestCase {
    var clickHouse: ClickHouseServer!
    let importToken = "import-token-0123456789abcdef"

    override func setUpWithError() throws {
        try super.setUpWithError()
        try XCTSkipUnless(
            ClickHouseServer.isInstalled,
            "clickhouse-server is required: apt-get install clickhouse-server (make test installs it)")
        clickHouse = try ClickHouseServer()
        try clickHouse.start()
    }

    override func tearDown() {
        if testRun?.hasSucceeded == false, let clickHouse { print(clickHouse.output.suffix(3000)) }
        clickHouse?.stop()
        clickHouse = nil
        super.tearDown()
    }

    /// The consumer's settings for this test's ClickHouse, as the `writer` user.
    var historyEnvironment: [String: String] {
        [
            "CLICKHOUSE_URL": clickHouse.url, "CLICKHOUSE_USER": "writer",
            "CLICKHOUSE_PASSWORD": clickHouse.writerPassword,
        ]
    }

    /// The event id (a UUID, as the API asks) of the `index`th event sent under `prefix`: the
    /// prefix's FNV-1a hash, then the index, so a test can name and find its events.
    func eventID(_ prefix: String, _ index: Int) -> String {
        var hash: UInt32 = 2_166_136_261
        for byte in prefix.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        let tail = String(UInt64(index), radix: 16)
        return String(format: "%08x", hash) + "-0000-4000-8000-"
            + String(repeating: "0", count: max(0, 12 - tail.count))
            + tail
    }

    /// A batch of page views with the ids `eventID(prefix, first)` … (one session per ten
    /// events), as JSON.
    func batch(_ prefix: String, _ range: Range<Int>, site: String = "shop.example", extra: String = "") -> String {
        "["
            + range.map { index in
                #"{"type":"page_view","id":"\#(eventID(prefix, index))","session_id":"s-\#(prefix)-\#(index / 10)","#
                    + #""user_id":"u-\#(index % 97)","url":"https://\#(site)/p/\#(index % 50)"\#(extra)}"#
            }.joined(separator: ",") + "]"
    }

    /// Posts `count` events in batches of 500 with ids `eventID(prefix, start)` …; returns how many
    /// were accepted (a batch answered other than 202 stops it).
    @discardableResult
    func send(_ prefix: String, count: Int, from start: Int = 0, headers: [String: String] = [:]) throws -> Int {
        var next = start
        while next < start + count {
            let end = min(next + 500, start + count)
            let response = try pipeline.post("/events", batch(prefix, next..<end), headers: headers)
            guard response.status == 202 else {
                XCTFail("a batch was answered \(response.status): \(response.text.prefix(300))")
                return next - start
            }
            next = end
        }
        return count
    }

    /// `SELECT count(), uniqExact(id)` of the events table.
    func storedCounts(database: String = "analytics") throws -> (rows: Int, ids: Int) {
        let columns = try clickHouse.query("SELECT count(), uniqExact(id) FROM \(database).events FORMAT TabSeparated")
            .trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\t").compactMap { Int($0) }
        return (columns.first ?? -1, columns.last ?? -1)
    }

    /// Waits until the history holds `rows` rows (or `timeout` passes); returns the counts.
    @discardableResult
    func waitForStored(_ rows: Int, timeout: TimeInterval = 90) -> (rows: Int, ids: Int) {
        var counts = (rows: -1, ids: -1)
        Wait.until(timeout: timeout, interval: 0.25) {
            counts = (try? storedCounts()) ?? (-1, -1)
            return counts.rows >= rows
        }
        return counts
    }

    /// Waits until ClickHouse is running a history insert (the writer is mid-insert).
    func waitForAnInsertInFlight(timeout: TimeInterval = 60) -> Bool {
        Wait.until(timeout: timeout, interval: 0.005) {
            (try? clickHouse.query(
                "SELECT count() FROM system.processes WHERE query_id LIKE 'history-insert-%' FORMAT TabSeparated"))?
                .trimmingCharacters(in: .whitespacesAndNewlines) != "0"
        }
    }

    /// Sends `count` events with ids `eventID(prefix, …)` from a thread of its own while the test acts;
    /// `wait()` returns how many were accepted.
    func sendInBackground(_ prefix: String, count: Int) -> BackgroundSender {
        let sender = BackgroundSender()
        let port = pipeline.producerPort
        let batches = stride(from: 0, to: count, by: 500).map { start in
            (body: batch(prefix, start..<min(start + 500, count)), events: min(500, count - start))
        }
        Thread.detachNewThread {
            var accepted = 0
            for batch in batches {
                let response = try? RawHTTPClient(port: port, timeout: 15).request("POST", "/events", body: batch.body)
                guard response?.status == 202 else { break }
                accepted += batch.events
            }
            sender.finish(accepted)
        }
        return sender
    }

    /// What `/metrics` says of the history.
    func historyMetrics(port: Int) -> [String: Double] {
        let text = (try? RawHTTPClient(port: port, timeout: 5).request("GET", "/metrics").text) ?? ""
        var result: [String: Double] = [:]
        for line in text.split(separator: "\n") where line.hasPrefix("history_") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = Double(parts[1]) { result[String(parts[0])] = value }
        }
        return result
    }
}

/// The outcome of `HistoryTestCase.sendInBackground`.
final class BackgroundSender: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var accepted = 0

    func finish(_ accepted: Int) {
        self.accepted = accepted
        done.signal()
    }

    /// Waits for the sender to finish; the number of events accepted.
    func wait() -> Int {
        done.wait()
        return accepted
    }
}
