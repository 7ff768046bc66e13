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
        try client.execute("INSERT INTO events (id, kafka_partition, kafka_offset) FORMAT TabSeparated", rows: writer.bytes)
    }

    func testEachPartitionsLastOffsetAndItsRecentOffsetsAndIdsAreReadBack() throws {
        let client = try client(database: "analytics")
        _ = try HistorySchema.migrate(client)
        try store(
            (0..<10).map { (0, $0, "p0-\($0)") } + [(2, 100, "p2-100"), (2, 7, "p2-7")] + [(3, 5, "p3-5")],
            client: client)
        let progress = HistoryProgress(client: client)
        let stored = try progress.stored(partitions: [0, 1, 2], lookBack: 3)
        XCTAssertEqual(Set(stored.keys), [0, 2], "partition 1 holds nothing; 3 was not asked for")
        XCTAssertEqual(stored[0]?.lastOffset, 9)
        XCTAssertEqual(stored[0]?.offsets, [7, 8, 9])
        XCTAssertEqual(stored[2]?.lastOffset, 100)
        XCTAssertEqual(stored[2]?.offsets, [100])
        let hashes = try client.text(
            "SELECT sipHash64(id) FROM events WHERE kafka_partition = 0 AND kafka_offset >= 7 "
                + "ORDER BY kafka_offset FORMAT TabSeparated"
        ).split(separator: "\n").compactMap { UInt64($0) }
        XCTAssertEqual(stored[0]?.idHashes, hashes)
        XCTAssertEqual(try progress.stored(partitions: [], lookBack: 3).count, 0)
    }

    func testTheOffsetsStoredWithinRangesAreFound() throws {
        let client = try client(database: "analytics")
        _ = try HistorySchema.migrate(client)
        try store([(0, 1, "a"), (0, 3, "b"), (0, 9, "c"), (1, 4, "d")], client: client)
        let found = try HistoryProgress(client: client).storedOffsets(in: [0: 2...9, 1: 0...3, 5: 0...100])
        XCTAssertEqual(found, [0: [3, 9]])
    }

    func testNoInsertOfOursRunningMeansNoWait() throws {
        let client = try client(database: "analytics")
        _ = try HistorySchema.migrate(client)
        let started = ContinuousClock.now
        try HistoryProgress(client: client).awaitRunningInserts(timeout: .seconds(5))
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }
}
