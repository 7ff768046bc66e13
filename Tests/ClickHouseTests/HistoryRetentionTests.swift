import ClickHouse
import Foundation
import TestSupport
import XCTest

/// `HISTORY_RETENTION_MONTHS` keeps whole months and drops older monthly partitions.
final class HistoryRetentionTests: ClickHouseTestCase {
    private func date(_ text: String) throws -> Date {
        try XCTUnwrap(ISO8601DateFormatter().date(from: text))
    }

    func testTheOldestMonthKeptCountsTheCurrentMonthAndCrossesYears() throws {
        let now = try date("2027-02-14T12:00:00Z")
        let one = HistoryRetention.firstKeptMonth(months: 1, now: now)
        XCTAssertEqual(one.partition, 202702)
        XCTAssertEqual(one.start, Int(try date("2027-02-01T00:00:00Z").timeIntervalSince1970))
        let three = HistoryRetention.firstKeptMonth(months: 3, now: now)
        XCTAssertEqual(three.partition, 202612)
        XCTAssertEqual(three.start, Int(try date("2026-12-01T00:00:00Z").timeIntervalSince1970))
        XCTAssertEqual(HistoryRetention.firstKeptMonth(months: 14, now: now).partition, 202601)
        XCTAssertEqual(HistoryRetention.firstKeptMonth(months: 1200, now: now).partition, 192703)
    }

    func testMonthsOlderThanTheRetentionAreDroppedWholeAndTheRestKept() throws {
        let client = try client(database: "analytics")
        _ = try HistorySchema.migrate(client)
        let months = ["2026-10-31T23:59:59Z", "2026-11-01T00:00:00Z", "2026-12-15T10:00:00Z", "2027-01-02T03:04:05Z"]
        var writer = TabSeparatedWriter()
        for (index, time) in months.enumerated() {
            writer.field("id-\(index)")
            writer.field(Int(try date(time).timeIntervalSince1970))
            writer.field(index)
            writer.endRow()
        }
        try client.execute("INSERT INTO events (id, timestamp, kafka_offset) FORMAT TabSeparated", rows: writer.bytes)
        let dropped = try HistoryRetention.apply(months: 3, now: try date("2027-01-20T00:00:00Z"), client: client)
        XCTAssertEqual(dropped, [202610])
        XCTAssertEqual(
            try client.text("SELECT id FROM events ORDER BY id FORMAT TabSeparated"), "id-1\nid-2\nid-3\n")
        XCTAssertEqual(try HistoryRetention.apply(months: 3, now: try date("2027-01-20T00:00:00Z"), client: client), [])
    }
}
