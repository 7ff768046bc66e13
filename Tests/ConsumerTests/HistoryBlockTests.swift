import AnalyticsCore
import Foundation
import XCTest

@testable import consumer

/// The block of rows the history writer inserts at once: each row's place is kept so that after a
/// failed insert the rows ClickHouse did store can be taken out before the retry.
final class HistoryBlockTests: XCTestCase {
    private func record(_ id: String, at seconds: Int = 1_798_761_600) -> HistoryRecord {
        var builder = HistoryRecord.Builder(defaultSite: "default")
        return builder.record(
            AnalyticsEvent(id: id, type: "page_view", sessionID: "s", timestamp: "2027-01-01T00:00:00Z"),
            receivedAt: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The ids of the rows in the block's body, in order.
    private func ids(_ block: HistoryBlock) -> [String] {
        String(decoding: block.body, as: UTF8.self).split(separator: "\n").map { String($0.prefix { $0 != "\t" }) }
    }

    /// The partition and offset each row ends with.
    private func places(_ block: HistoryBlock) -> [String] {
        String(decoding: block.body, as: UTF8.self).split(separator: "\n").map { line in
            line.split(separator: "\t", omittingEmptySubsequences: false).suffix(2).joined(separator: ":")
        }
    }

    func testEachRowWritesEveryColumnAndItsPartitionAndOffset() {
        var block = HistoryBlock()
        block.read(partition: 2, offset: 41, row: record("a"))
        let fields = String(decoding: block.body, as: UTF8.self).dropLast().split(
            separator: "\t", omittingEmptySubsequences: false)
        XCTAssertEqual(fields.count, HistoryBlock.columns.count)
        XCTAssertEqual(fields.first, "a")
        XCTAssertEqual(fields.suffix(2), ["2", "41"])
    }

    func testRecordsWithoutRowsStillCountInThePartitionsRange() {
        var block = HistoryBlock()
        XCTAssertTrue(block.isEmpty)
        block.read(partition: 0, offset: 10, row: record("a"))
        block.read(partition: 0, offset: 11, row: nil)
        block.read(partition: 1, offset: 5, row: nil)
        block.read(partition: 0, offset: 12, row: record("b"))
        XCTAssertEqual(block.rowCount, 2)
        XCTAssertEqual(block.recordsRead, 4)
        XCTAssertEqual(block.ranges, [0: 10...12, 1: 5...5])
        XCTAssertNotNil(block.startedAt)
        XCTAssertFalse(block.isEmpty)
    }

    func testRowsFoundStoredAfterAFailedInsertAreTakenOutAndTheRestKeptInOrder() {
        var block = HistoryBlock()
        for offset in 0..<6 {
            block.read(partition: Int32(offset % 2), offset: Int64(offset), row: record("r\(offset)"))
        }
        block.remove(stored: [0: [0, 4], 1: [3]])
        XCTAssertEqual(ids(block), ["r1", "r2", "r5"])
        XCTAssertEqual(places(block), ["1:1", "0:2", "1:5"])
        XCTAssertEqual(block.rowCount, 3)
        XCTAssertEqual(block.ranges, [0: 0...4, 1: 1...5], "the ranges read stay: the progress stands there")
        block.remove(stored: [:])
        XCTAssertEqual(block.rowCount, 3)
    }

    func testThePartitionsGivenAwayLeaveTheBlockWithTheirRanges() {
        var block = HistoryBlock()
        for offset in 0..<6 {
            block.read(partition: Int32(offset % 3), offset: Int64(offset), row: record("r\(offset)"))
        }
        block.remove(partitions: [1])
        XCTAssertEqual(ids(block), ["r0", "r2", "r3", "r5"])
        XCTAssertEqual(Set(block.ranges.keys), [0, 2])
        block.remove(partitions: [0, 2])
        XCTAssertTrue(block.isEmpty)
        XCTAssertEqual(block.rowCount, 0)
        XCTAssertEqual(block.byteCount, 0)
        XCTAssertNil(block.startedAt)
    }

    func testTheMonthOfATimeIsItsUTCCalendarMonth() throws {
        var utc = Calendar(identifier: .gregorian)
        utc.timeZone = try XCTUnwrap(TimeZone(identifier: "UTC"))
        // Every 97,003 s over 1970–2106: month starts and ends, leap days, century years.
        for seconds in stride(from: 0, through: Int(UInt32.max), by: 97_003) {
            let parts = utc.dateComponents([.year, .month], from: Date(timeIntervalSince1970: TimeInterval(seconds)))
            XCTAssertEqual(
                HistoryBlock.month(ofSeconds: seconds), (parts.year ?? 0) * 100 + (parts.month ?? 0), "\(seconds)")
        }
        XCTAssertEqual(HistoryBlock.month(ofSeconds: 951_782_399), 200002, "2000-02-28T23:59:59Z")
        XCTAssertEqual(HistoryBlock.month(ofSeconds: 951_868_800), 200003, "2000-03-01T00:00:00Z, after 29 February")
        XCTAssertEqual(HistoryBlock.month(ofSeconds: 1_798_761_599), 202612)
        XCTAssertEqual(HistoryBlock.month(ofSeconds: 1_798_761_600), 202701)
    }

    func testRowsGoInAMonthAtATimeAndLeaveTheBlockAsTheyGo() {
        var block = HistoryBlock()
        let december = 1_796_083_200  // 2026-12-01
        let january = 1_798_761_600  // 2027-01-01
        block.read(partition: 0, offset: 1, row: record("jan-a", at: january))
        block.read(partition: 0, offset: 2, row: record("dec-a", at: december))
        block.read(partition: 1, offset: 7, row: record("jan-b", at: january + 86_400))
        block.read(partition: 1, offset: 8, row: nil)
        XCTAssertEqual(block.months, [202612, 202701])
        let jan = block.rows(ofMonth: 202701)
        XCTAssertEqual(jan.count, 2)
        XCTAssertEqual(
            String(decoding: jan.bytes, as: UTF8.self).split(separator: "\n").map { $0.prefix { $0 != "\t" } },
            ["jan-a", "jan-b"])
        block.remove(month: 202701)
        XCTAssertEqual(ids(block), ["dec-a"])
        XCTAssertEqual(block.months, [202612])
        XCTAssertEqual(block.ranges, [0: 1...2, 1: 7...8], "what was read stays the block's until it is all in")
        XCTAssertEqual(block.rows(ofMonth: 202701).count, 0)
    }
}
