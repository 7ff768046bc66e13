import AnalyticsCore
import ClickHouse

/// The rows the history writer has read from Kafka and not yet stored: the body of the next
/// `INSERT`, with the partition and offset of every row so that, after a failed insert, the rows
/// ClickHouse did store can be taken out before the retry.
///
/// For each partition it also keeps the range of offsets read into the block, stored or not (a
/// duplicate, an invalid record): that range is what a retry checks, and its end is where the
/// partition's progress stands once the block is in. Rows are inserted a month at a time (`months`,
/// `rows(ofMonth:)`): an INSERT is atomic only within one monthly partition of `events`, and
/// ClickHouse refuses one that touches too many.
struct HistoryBlock: Sendable {
    private struct Row: Sendable {
        var partition: Int32
        var offset: Int64
        /// `YYYYMM` of the row's time (UTC), its partition of `events`.
        var month: Int
        var bytes: Range<Int>
    }

    private var rows: [Row] = []
    private var writer = TabSeparatedWriter()
    /// The offsets read into the block, per partition.
    private(set) var ranges: [Int32: ClosedRange<Int64>] = [:]
    /// Records read into the block, rows or not.
    private(set) var recordsRead = 0
    /// When the block's first record was read.
    private(set) var startedAt: ContinuousClock.Instant?

    /// The columns of `events` in the order each row writes them.
    static let columns = [
        "id", "site", "timestamp", "type", "visitor", "session", "path", "hostname", "referrer", "source",
        "utm_source", "utm_medium", "utm_campaign", "country", "device", "browser", "os", "load_time_ms", "bot",
        "kafka_partition", "kafka_offset",
    ]

    var rowCount: Int { rows.count }
    var isEmpty: Bool { recordsRead == 0 }
    /// The rows as TabSeparated data.
    var body: [UInt8] { writer.bytes }
    var byteCount: Int { writer.bytes.count }

    /// Notes a record read into the block; `row`, when it is to be stored.
    mutating func read(partition: Int32, offset: Int64, row: HistoryRecord?) {
        if startedAt == nil { startedAt = .now }
        recordsRead += 1
        if let range = ranges[partition] {
            ranges[partition] = min(range.lowerBound, offset)...max(range.upperBound, offset)
        } else {
            ranges[partition] = offset...offset
        }
        guard let row else { return }
        let start = writer.bytes.count
        Self.write(row, partition: partition, offset: offset, to: &writer)
        rows.append(
            Row(
                partition: partition, offset: offset, month: Self.month(ofSeconds: row.timestamp),
                bytes: start..<writer.bytes.count))
    }

    /// The months (`YYYYMM`) the rows fall in, oldest first.
    var months: [Int] { Set(rows.map(\.month)).sorted() }

    /// The rows of one month as TabSeparated data, and how many there are.
    func rows(ofMonth month: Int) -> (bytes: [UInt8], count: Int) {
        var bytes: [UInt8] = []
        var count = 0
        for row in rows where row.month == month {
            bytes.append(contentsOf: writer.bytes[row.bytes])
            count += 1
        }
        return (bytes, count)
    }

    /// Takes out the rows of one month (inserted).
    mutating func remove(month: Int) {
        keepRows { $0.month != month }
    }

    /// `YYYYMM` of a time in seconds since 1970, UTC.
    static func month(ofSeconds seconds: Int) -> Int {
        let date = RFC3339.civilFromDays(seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        return date.year * 100 + date.month
    }

    /// Takes out the rows already stored (found after a failed insert).
    mutating func remove(stored: [Int32: Set<Int64>]) {
        guard stored.contains(where: { !$0.value.isEmpty }) else { return }
        keepRows { row in stored[row.partition]?.contains(row.offset) != true }
    }

    /// Takes out the records of partitions given away: their next owner reads them again.
    mutating func remove(partitions: Set<Int32>) {
        guard !partitions.isEmpty else { return }
        for partition in partitions { ranges[partition] = nil }
        keepRows { !partitions.contains($0.partition) }
        if ranges.isEmpty { removeAll() }
    }

    mutating func removeAll() {
        rows.removeAll(keepingCapacity: true)
        writer.removeAll()
        ranges.removeAll(keepingCapacity: true)
        recordsRead = 0
        startedAt = nil
    }

    private mutating func keepRows(where keep: (Row) -> Bool) {
        var kept: [Row] = []
        var bytes = TabSeparatedWriter(reservingCapacity: writer.bytes.count)
        let old = writer.bytes
        for row in rows where keep(row) {
            let start = bytes.bytes.count
            bytes.append(rawRow: old[row.bytes])
            kept.append(
                Row(partition: row.partition, offset: row.offset, month: row.month, bytes: start..<bytes.bytes.count))
        }
        rows = kept
        writer = bytes
    }

    private static func write(
        _ row: HistoryRecord, partition: Int32, offset: Int64, to writer: inout TabSeparatedWriter
    ) {
        writer.field(row.id)
        writer.field(row.site)
        writer.field(row.timestamp)
        writer.field(row.type)
        writer.field(row.visitor)
        writer.field(row.session)
        writer.field(row.path)
        writer.field(row.hostname)
        writer.field(row.referrer)
        writer.field(row.source)
        writer.field(row.utmSource)
        writer.field(row.utmMedium)
        writer.field(row.utmCampaign)
        writer.field(row.country)
        writer.field(row.device)
        writer.field(row.browser)
        writer.field(row.operatingSystem)
        writer.field(row.loadTimeMilliseconds)
        writer.field(row.isBot ? 1 : 0)
        writer.field(Int(partition))
        writer.field(Int(offset))
        writer.endRow()
    }
}
