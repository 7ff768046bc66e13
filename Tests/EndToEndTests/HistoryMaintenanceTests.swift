import Foundation
import TestSupport
import XCTest

/// Filling and pruning the history with the real binaries against a real ClickHouse: a backfill
/// across days through `IMPORT_TOKEN`, `consumer --rebuild-history` without duplicates, and
/// `HISTORY_RETENTION_MONTHS` dropping whole months.
final class HistoryMaintenanceTests: HistoryTestCase {
    private let day: TimeInterval = 86_400

    /// `count` page views spread one per `spacing` seconds back from `newest`, as a JSON batch.
    private func imported(_ prefix: String, count: Int, newest: Date, spacing: TimeInterval) -> String {
        let formatter = ISO8601DateFormatter()
        return "["
            + (0..<count).map { index in
                let time = formatter.string(from: newest.addingTimeInterval(-Double(index) * spacing))
                return #"{"type":"page_view","id":"\#(eventID(prefix, index))","session_id":"s-\#(prefix)-\#(index)","#
                    + #""url":"https://shop.example/day/\#(index)","timestamp":"\#(time)"}"#
            }.joined(separator: ",") + "]"
    }

    private var bearer: [String: String] { ["Authorization": "Bearer \(importToken)"] }

    func testABackfillAcrossDaysLandsOnItsDaysAndCountsInTheTotalsButNotAsCurrentVisitors() throws {
        try pipeline.startProducer(environment: ["IMPORT_TOKEN": importToken, "IMPORT_MAX_AGE_DAYS": "30"])
        let (consumer, statsPort) = try pipeline.startConsumer(environment: historyEnvironment)
        // 100 events, one every 6 hours back from two days ago: 25 days' worth.
        let newest = Date().addingTimeInterval(-2 * day)
        let response = try pipeline.post(
            "/events", imported("backfill", count: 100, newest: newest, spacing: day / 4), headers: bearer)
        XCTAssertEqual(response.status, 202, response.text)
        XCTAssertTrue(response.text.contains(#""accepted":100"#), response.text)
        XCTAssertEqual(waitForStored(100).rows, 100, consumer.output)
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = TimeZone(identifier: "UTC") ?? utc.timeZone
        let dates = Set((0..<100).map { utc.startOfDay(for: newest.addingTimeInterval(-Double($0) * day / 4)) })
        let days = try clickHouse.query(
            "SELECT count(DISTINCT toDate(timestamp)), max(timestamp) < now() - 86400 FROM analytics.events "
                + "FORMAT TabSeparated")
        XCTAssertEqual(days, "\(dates.count)\t1\n", "each event on its own day, none today")
        // Each row has the time its sender gave, to the second.
        let formatter = ISO8601DateFormatter()
        let stored = try clickHouse.query(
            "SELECT toUnixTimestamp(timestamp) FROM analytics.events WHERE id = '\(eventID("backfill", 7))'")
        XCTAssertEqual(
            Double(stored.trimmingCharacters(in: .newlines)),
            formatter.date(from: formatter.string(from: newest.addingTimeInterval(-7 * day / 4)))?.timeIntervalSince1970
        )
        // The live view counts them in its totals, not as visitors now.
        let live = pipeline.waitForTotal(100, port: statsPort)
        XCTAssertEqual(live["total_events"] as? Int, 100, consumer.output)
        XCTAssertEqual(live["current_visitors"] as? Int, 0)
    }

    func testATenYearBackfillInOneBatchIsStoredMonthByMonth() throws {
        // 121 events a month apart: more monthly partitions than ClickHouse lets one INSERT touch.
        try pipeline.startProducer(environment: ["IMPORT_TOKEN": importToken])
        let (consumer, _) = try pipeline.startConsumer(environment: historyEnvironment)
        let response = try pipeline.post(
            "/events", imported("decade", count: 121, newest: Date().addingTimeInterval(-day), spacing: 30 * day),
            headers: bearer)
        XCTAssertTrue(response.text.contains(#""accepted":121"#), response.text)
        let counts = waitForStored(121)
        XCTAssertEqual(counts.rows, 121, consumer.output)
        XCTAssertEqual(counts.ids, 121)
        XCTAssertEqual(
            try clickHouse.query("SELECT uniqExact(toYYYYMM(timestamp)) >= 118 FROM analytics.events"), "1\n")
    }

    func testImportsAreRefusedWithAWrongTokenTooOldOrInTheFuture() throws {
        try pipeline.startProducer(environment: ["IMPORT_TOKEN": importToken, "IMPORT_MAX_AGE_DAYS": "30"])
        let old = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-31 * day))
        let event = #"{"type":"page_view","id":"\#(eventID("refused", 1))","timestamp":"\#(old)"}"#
        let wrong = try pipeline.post("/event", event, headers: ["Authorization": "Bearer not-the-token"])
        XCTAssertEqual(wrong.status, 401, wrong.text)
        XCTAssertTrue(wrong.text.contains("IMPORT_TOKEN"), wrong.text)
        let tooOld = try pipeline.post("/event", event, headers: bearer)
        XCTAssertEqual(tooOld.status, 400, tooOld.text)
        XCTAssertTrue(tooOld.text.contains(#""field":"timestamp""#), tooOld.text)
        let future = ISO8601DateFormatter().string(from: Date().addingTimeInterval(3600))
        let ahead = try pipeline.post(
            "/event", #"{"type":"page_view","id":"\#(eventID("refused", 2))","timestamp":"\#(future)"}"#,
            headers: bearer)
        XCTAssertEqual(ahead.status, 400, ahead.text)
        // Without the token a timestamp is the client's: the event is taken with the server's time,
        // and so it is behind a proxy passing its Basic credentials along.
        XCTAssertEqual(try pipeline.post("/event", event).status, 202)
        let proxied = #"{"type":"page_view","id":"\#(eventID("refused", 3))","timestamp":"\#(old)"}"#
        XCTAssertEqual(
            try pipeline.post("/event", proxied, headers: ["Authorization": "Basic dXNlcjpwYXNz"]).status, 202)
    }

    func testARebuildInsertsWhatIsMissingOnceAndRefusesWhileConsumersRun() throws {
        try pipeline.startProducer()
        let (consumer, _) = try pipeline.startConsumer(environment: historyEnvironment)
        XCTAssertEqual(try send("rebuilt", count: 3000), 3000)
        XCTAssertEqual(waitForStored(3000).rows, 3000, consumer.output)
        // With a consumer running, the rebuild holds no partition of its own and says why.
        let refused = try rebuild()
        XCTAssertEqual(refused.status, 1, refused.stdout + refused.stderr)
        XCTAssertTrue(refused.stderr.contains("stop the consumers and run it again"), refused.stderr)
        consumer.signal(SIGTERM)
        XCTAssertEqual(consumer.waitForExit(timeout: 30), 0, consumer.output)
        // Lose two partitions' rows (a restore from an older backup, a mistaken DELETE).
        try clickHouse.query("ALTER TABLE analytics.events DELETE WHERE kafka_partition IN (1, 4)")
        XCTAssertTrue(Wait.until(timeout: 30) { (try? self.storedCounts().rows) ?? 3000 < 3000 })
        let lost = 3000 - (try storedCounts().rows)
        XCTAssertGreaterThan(lost, 0)
        let first = try rebuild()
        XCTAssertEqual(first.status, 0, first.stdout + first.stderr)
        XCTAssertTrue(first.stdout.contains("\(lost) events inserted"), first.stdout)
        var counts = try storedCounts()
        XCTAssertEqual(counts.rows, 3000)
        XCTAssertEqual(counts.ids, 3000)
        // A second rebuild finds everything there.
        let second = try rebuild()
        XCTAssertEqual(second.status, 0, second.stdout + second.stderr)
        XCTAssertTrue(second.stdout.contains("0 events inserted, 3000 already stored"), second.stdout)
        counts = try storedCounts()
        XCTAssertEqual(counts.rows, 3000)
        XCTAssertEqual(counts.ids, 3000)
    }

    func testTheRetentionDropsWholeMonthsOlderThanItKeeps() throws {
        try pipeline.startProducer(environment: ["IMPORT_TOKEN": importToken])
        // One event today, one ten days ago, one 75 and one 100 days ago.
        let now = Date()
        let times = [0, 10, 75, 100].map { now.addingTimeInterval(-Double($0) * day) }
        let formatter = ISO8601DateFormatter()
        let body =
            "["
            + times.enumerated().map { index, time in
                #"{"type":"page_view","id":"\#(eventID("kept", index))","timestamp":"\#(formatter.string(from: time))"}"#
            }.joined(separator: ",") + "]"
        XCTAssertEqual(try pipeline.post("/events", body, headers: bearer).status, 202)
        let (first, _) = try pipeline.startConsumer(environment: historyEnvironment)
        XCTAssertEqual(waitForStored(4).rows, 4, first.output)
        first.signal(SIGTERM)
        XCTAssertEqual(first.waitForExit(timeout: 30), 0, first.output)

        // Two months kept: this month and the last; older months go whole.
        let (second, _) = try pipeline.startConsumer(
            environment: historyEnvironment.merging(["HISTORY_RETENTION_MONTHS": "2"]) { _, new in new })
        XCTAssertTrue(second.waitForOutput("dropped months older than HISTORY_RETENTION_MONTHS"), second.output)
        let oldestKept = try clickHouse.query(
            "SELECT toYYYYMM(toStartOfMonth(today()) - 1)"
        ).trimmingCharacters(in: .newlines)
        let months = try clickHouse.query(
            "SELECT DISTINCT partition FROM system.parts WHERE database = 'analytics' AND table = 'events' AND active "
                + "ORDER BY partition FORMAT TabSeparated"
        ).split(separator: "\n").compactMap { Int($0) }
        XCTAssertTrue(months.allSatisfy { $0 >= Int(oldestKept) ?? 0 }, "\(months) kept, from \(oldestKept)")
        let keptIDs = try clickHouse.query(
            "SELECT id FROM analytics.events ORDER BY timestamp DESC FORMAT TabSeparated"
        )
        .split(separator: "\n").map(String.init)
        let expected = times.enumerated().filter { _, time in
            Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC") ?? .current, from: time)
                .yearMonth >= Int(oldestKept) ?? 0
        }.map { eventID("kept", $0.offset) }
        XCTAssertEqual(keptIDs, expected)
        XCTAssertGreaterThanOrEqual(expected.count, 2)
        XCTAssertLessThanOrEqual(expected.count, 3)
    }

    private func rebuild() throws -> (status: Int32?, stdout: String, stderr: String) {
        try ServiceProcess.run(
            "consumer", arguments: ["--rebuild-history"],
            environment: historyEnvironment.merging([
                "KAFKA_BROKERS": pipeline.brokers, "CONSUMER_GROUP": pipeline.group,
            ]) {
                _, new in new
            }, timeout: 120)
    }
}

extension DateComponents {
    /// `YYYYMM`, as ClickHouse's `toYYYYMM`.
    fileprivate var yearMonth: Int { (year ?? 0) * 100 + (month ?? 0) }
}
