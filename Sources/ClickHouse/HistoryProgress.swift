import Foundation

/// What the history already holds of each Kafka partition of the events topic: the writer's
/// progress, kept in ClickHouse itself rather than in Kafka's committed offsets, so that a row and
/// the progress it stands for are stored by the same INSERT and can never disagree.
///
/// Each insert carries a `query_id` starting with `insertPrefix`; before a writer trusts what is
/// stored, it waits until inserts that were running (a crashed writer's, or its own that timed
/// out) have ended, and kills those that do not end in time, so nothing lands behind its back.
public struct HistoryProgress: Sendable {
    public let client: ClickHouseClient

    public init(client: ClickHouseClient) {
        self.client = client
    }

    /// What is stored of one partition near its end.
    public struct Stored: Sendable, Equatable {
        /// The highest offset stored.
        public var lastOffset: Int64
        /// `sipHash64(id)` of each row stored from `lastOffset - lookBack - window + 1` on, by
        /// offset: the offsets a replay skips, and the ids its deduplication window holds.
        public var idHashes: [Int64: UInt64]

        public init(lastOffset: Int64, idHashes: [Int64: UInt64]) {
            self.lastOffset = lastOffset
            self.idHashes = idHashes
        }
    }

    /// The `query_id` prefix of every insert into the history of `database`.
    public static func insertPrefix(database: String) -> String { "history-insert-\(database)-" }

    /// Waits until none of the history inserts running now is still running, for up to `timeout`;
    /// then kills those left (`KILL QUERY … SYNC` returns once they are gone). When `stopping`
    /// says so first it throws, killing nothing: nothing may be trusted while they run.
    public func awaitRunningInserts(timeout: Duration, stopping: () -> Bool = { false }) throws(ClickHouseError) {
        let prefix = Self.insertPrefix(database: client.endpoint.database)
        let condition =
            "substring(query_id, 1, \(SQLLiteral.integer(prefix.utf8.count))) = \(SQLLiteral.string(prefix))"
        var running = Set(
            try client.text("SELECT query_id FROM system.processes WHERE \(condition) FORMAT TabSeparated")
                .split(separator: "\n").map(String.init))
        let deadline = ContinuousClock.now + timeout
        while !running.isEmpty && ContinuousClock.now < deadline && !stopping() {
            Thread.sleep(forTimeInterval: 0.2)
            let still = Set(
                try client.text("SELECT query_id FROM system.processes WHERE \(condition) FORMAT TabSeparated")
                    .split(separator: "\n").map(String.init))
            running.formIntersection(still)
        }
        if !running.isEmpty && stopping() {
            throw .server(code: nil, message: "stopped while \(running.count) history inserts were still running")
        }
        for id in running.sorted() {
            try client.execute("KILL QUERY WHERE query_id = \(SQLLiteral.string(id)) SYNC", inDatabase: false)
        }
    }

    /// For each partition with rows: its highest stored offset `M`, and the id hashes of the rows
    /// from `M - lookBack - window + 1` on (the last `lookBack` offsets are read again; the
    /// `window` before them fill the deduplication window). Partitions without rows are absent.
    public func stored(partitions: [Int32], lookBack: Int64, window: Int64) throws(ClickHouseError)
        -> [Int32: Stored]
    {
        guard !partitions.isEmpty else { return [:] }
        let list = partitions.sorted().map { SQLLiteral.integer($0) }.joined(separator: ", ")
        var result: [Int32: Stored] = [:]
        for line in try client.text(
            "SELECT kafka_partition, max(kafka_offset) FROM events WHERE kafka_partition IN (\(list)) "
                + "GROUP BY kafka_partition FORMAT TabSeparated"
        ).split(separator: "\n") {
            let columns = line.split(separator: "\t")
            guard columns.count == 2, let partition = Int32(columns[0]), let last = Int64(columns[1]) else {
                throw .server(code: nil, message: "unexpected answer to the progress query: \(line.prefix(100))")
            }
            result[partition] = Stored(lastOffset: last, idHashes: [:])
        }
        guard !result.isEmpty else { return result }
        let ranges = result.sorted { $0.key < $1.key }.map { partition, stored in
            "(kafka_partition = \(SQLLiteral.integer(partition)) AND kafka_offset >= "
                + "\(SQLLiteral.integer(max(0, stored.lastOffset - lookBack - window + 1))))"
        }
        for line in try client.text(
            "SELECT kafka_partition, kafka_offset, sipHash64(id) FROM events WHERE \(ranges.joined(separator: " OR ")) "
                + "FORMAT TabSeparated"
        ).split(separator: "\n") {
            let columns = line.split(separator: "\t")
            guard columns.count == 3, let partition = Int32(columns[0]), let offset = Int64(columns[1]),
                let hash = UInt64(columns[2])
            else {
                throw .server(code: nil, message: "unexpected answer to the progress query: \(line.prefix(100))")
            }
            result[partition]?.idHashes[offset] = hash
        }
        return result
    }

    /// The `sipHash64(id)` of the rows stored within each partition's range, in offset order: the
    /// ids a rebuild starting at a range's end must not store again.
    public func idHashes(in ranges: [Int32: Range<Int64>]) throws(ClickHouseError) -> [Int32: [UInt64]] {
        let wanted = ranges.filter { !$0.value.isEmpty }
        guard !wanted.isEmpty else { return [:] }
        let condition = Self.condition(wanted.sorted { $0.key < $1.key })
        var result: [Int32: [UInt64]] = [:]
        for line in try client.text(
            "SELECT kafka_partition, sipHash64(id) FROM events WHERE \(condition) "
                + "ORDER BY kafka_partition, kafka_offset FORMAT TabSeparated"
        ).split(separator: "\n") {
            let columns = line.split(separator: "\t")
            guard columns.count == 2, let partition = Int32(columns[0]), let hash = UInt64(columns[1]) else {
                throw .server(code: nil, message: "unexpected answer to the progress query: \(line.prefix(100))")
            }
            result[partition, default: []].append(hash)
        }
        return result
    }

    /// Which offsets of each partition's range are stored, as bitmaps, asked `partitionsPerQuery`
    /// partitions at a time (each question reads the table's two offset columns once; the answers
    /// stay a few MiB).
    public func storedBitmaps(in ranges: [Int32: Range<Int64>], partitionsPerQuery: Int = 32) throws(ClickHouseError)
        -> [Int32: OffsetBitmap]
    {
        var result = ranges.mapValues { OffsetBitmap(range: $0) }
        let wanted = ranges.filter { !$0.value.isEmpty }.sorted { $0.key < $1.key }
        for start in stride(from: 0, to: wanted.count, by: max(1, partitionsPerQuery)) {
            let condition = Self.condition(wanted[start..<min(start + max(1, partitionsPerQuery), wanted.count)])
            let answer = try client.execute(
                "SELECT kafka_partition, kafka_offset FROM events WHERE \(condition) FORMAT TabSeparated")
            var partition: Int64 = 0
            var value: Int64 = 0
            for byte in answer {
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): value = value &* 10 &+ Int64(byte - UInt8(ascii: "0"))
                case UInt8(ascii: "\t"):
                    partition = value
                    value = 0
                case UInt8(ascii: "\n"):
                    result[Int32(truncatingIfNeeded: partition)]?.insert(value)
                    value = 0
                default:
                    throw .server(code: nil, message: "unexpected answer to the progress query")
                }
            }
        }
        return result
    }

    /// The offsets stored within each partition's range: what an insert that failed (or whose
    /// answer was lost) did store after all.
    public func storedOffsets(in ranges: [Int32: ClosedRange<Int64>]) throws(ClickHouseError) -> [Int32: Set<Int64>] {
        guard !ranges.isEmpty else { return [:] }
        let condition = Self.condition(ranges.sorted { $0.key < $1.key }.map { ($0.key, Range($0.value)) })
        var result: [Int32: Set<Int64>] = [:]
        for line in try client.text(
            "SELECT kafka_partition, kafka_offset FROM events WHERE \(condition) FORMAT TabSeparated"
        ).split(separator: "\n") {
            let columns = line.split(separator: "\t")
            guard columns.count == 2, let partition = Int32(columns[0]), let offset = Int64(columns[1]) else {
                throw .server(code: nil, message: "unexpected answer to the progress query: \(line.prefix(100))")
            }
            result[partition, default: []].insert(offset)
        }
        return result
    }

    /// The `WHERE` condition selecting rows of each partition within its offset range.
    private static func condition(_ ranges: some Sequence<(key: Int32, value: Range<Int64>)>) -> String {
        ranges.map { partition, range in
            "(kafka_partition = \(SQLLiteral.integer(partition)) AND kafka_offset >= "
                + "\(SQLLiteral.integer(range.lowerBound)) AND kafka_offset < \(SQLLiteral.integer(range.upperBound)))"
        }.joined(separator: " OR ")
    }
}
