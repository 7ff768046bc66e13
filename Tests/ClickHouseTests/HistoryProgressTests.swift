import ClickHouse
import Foundation
import TestSupport
import XCTest

/// The writer's progress lives in ClickHouse: what each partition holds is read back from `events`.
final class HistoryProgressTests: ClickHouseTestCase {
    private func store(_ rows: [(partition: Int, offset: Int, id: String)], client: ClickHouseClient) throws {
        var writer = TabSeparatedWriter()
        for row in rows {
            writer.field(row.id)
            writer.field(row.partition)
            writer.field(row.offset)
            writer.endRow()
        }
        try client.execute(
            "INSERT INTO events (id, kafka_partition, kafka_offset) FORMAT TabSeparated", rows: writer.bytes)
    }

    func testEachPartitionsLastOffsetAndItsRecentOffsetsAndIdsAreReadBack() throws {
        let client = try client(database: "analytics")
        _ = try HistorySchema.migrate(client)
        try store(
            (0..<10).map { (0, $0, "p0-\($0)") } + [(2, 100, "p2-100"), (2, 7, "p2-7")] + [(3, 5, "p3-5")],
            client: client)
        let progress = HistoryProgress(client: client)
        // The last 3 offsets read again, the 2 before them for the deduplication window.
        let stored = try progress.stored(partitions: [0, 1, 2], lookBack: 3, window: 2)
        XCTAssertEqual(Set(stored.keys), [0, 2], "partition 1 holds nothing; 3 was not asked for")
        XCTAssertEqual(stored[0]?.lastOffset, 9)
        XCTAssertEqual(stored[0]?.idHashes.keys.sorted(), [5, 6, 7, 8, 9])
        XCTAssertEqual(stored[2]?.lastOffset, 100)
        XCTAssertEqual(stored[2]?.idHashes.keys.sorted(), [100], "offset 7 is far before the end")
        let hashes = try client.text(
            "SELECT kafka_offset, sipHash64(id) FROM events WHERE kafka_partition = 0 AND kafka_offset >= 5 "
                + "FORMAT TabSeparated"
        ).split(separator: "\n").map { $0.split(separator: "\t").compactMap { UInt64($0) } }
        for pair in hashes { XCTAssertEqual(stored[0]?.idHashes[Int64(pair[0])], pair[1]) }
        XCTAssertEqual(try progress.stored(partitions: [], lookBack: 3, window: 2).count, 0)
    }

    func testTheOffsetsStoredWithinRangesAreFound() throws {
        let client = try client(database: "analytics")
        _ = try HistorySchema.migrate(client)
        try store([(0, 1, "a"), (0, 3, "b"), (0, 9, "c"), (1, 4, "d")], client: client)
        let found = try HistoryProgress(client: client).storedOffsets(in: [0: 2...9, 1: 0...3, 5: 0...100])
        XCTAssertEqual(found, [0: [3, 9]])
    }

    func testTheStoredOffsetsOfManyPartitionsComeBackAsBitmapsAndTheIdsBeforeThem() throws {
        let client = try client(database: "analytics")
        _ = try HistorySchema.migrate(client)
        try store(
            (0..<40).map { ($0 % 5, $0, "id-\($0)") } + [(7, 3, "seven-3"), (7, 9, "seven-9")], client: client)
        let progress = HistoryProgress(client: client)
        let bitmaps = try progress.storedBitmaps(
            in: [0: 10..<30, 1: 0..<100, 7: 4..<10, 9: 0..<5], partitionsPerQuery: 2)
        XCTAssertEqual((0..<40).filter { bitmaps[0]?.contains(Int64($0)) == true }, [10, 15, 20, 25])
        XCTAssertEqual(bitmaps[1]?.count, 8)
        XCTAssertEqual((0..<12).filter { bitmaps[7]?.contains(Int64($0)) == true }, [9])
        XCTAssertEqual(bitmaps[9]?.count, 0)
        let hashes = try progress.idHashes(in: [7: 0..<9, 2: 0..<5])
        let expected = try client.text("SELECT sipHash64('seven-3'), sipHash64('id-2') FORMAT TabSeparated")
            .trimmingCharacters(in: .newlines).split(separator: "\t").compactMap { UInt64($0) }
        XCTAssertEqual(hashes[7], [expected[0]])
        XCTAssertEqual(hashes[2], [expected[1]])
    }

    func testNoInsertOfOursRunningMeansNoWait() throws {
        let client = try client(database: "analytics")
        _ = try HistorySchema.migrate(client)
        let started = ContinuousClock.now
        try HistoryProgress(client: client).awaitRunningInserts(timeout: .seconds(5))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }
}
