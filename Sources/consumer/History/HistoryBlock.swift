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
        /// Where the row is in its month's rows.
        var bytes: Range<Int>
    }

    /// One month's rows, as the body of its INSERT.
    private struct MonthRows: Sendable {
        var writer: TabSeparatedWriter
        var count = 0

        init(capacity: Int) {
            writer = TabSeparatedWriter(reservingCapacity: capacity)
        }

        /// Appends a row another buffer holds; returns where it is in this one.
        mutating func append(rawRow bytes: ArraySlice<UInt8>) -> Range<Int> {
            let start = writer.bytes.count
            writer.append(rawRow: bytes)
            count += 1
            return start..<writer.bytes.count
        }
    }

    private var rows: [Row] = []
    /// Each month's rows apart, so that a month's INSERT sends its buffer as it is (no copy) and
    /// taking an inserted month out copies nothing.
    private var byMonth: [Int: MonthRows] = [:]
    /// The offsets read into the block, per partition.
    private(set) var ranges: [Int32: ClosedRange<Int64>] = [:]
    /// Records read into the block, rows or not.
    private(set) var recordsRead = 0
    /// Bytes of rows in the block, all months together.
    private(set) var byteCount = 0
    /// When the block's first record was read.
    private(set) var startedAt: ContinuousClock.Instant?

    /// The first month's buffer starts this large, the others at a sixteenth of it: most blocks
    /// hold one month or a few, and growing a buffer from empty to megabytes copied it a dozen
    /// times; an import across ten years (121 months in a block) must not reserve 121 of them.
    static let initialMonthCapacity = 1 << 20

    /// The columns of `events` in the order each row writes them.
    static let columns = [
        "id", "site", "timestamp", "type", "visitor", "session", "path", "hostname", "referrer", "source",
        "utm_source", "utm_medium", "utm_campaign", "country", "device", "browser", "os", "load_time_ms", "bot",
        "kafka_partition", "kafka_offset",
    ]

    var rowCount: Int { rows.count }
    var isEmpty: Bool { recordsRead == 0 }
    /// Every row as TabSeparated data, month by month, oldest first.
    var body: [UInt8] { months.flatMap { byMonth[$0]?.writer.bytes ?? [] } }

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
        let month = Self.month(ofSeconds: row.timestamp)
        let capacity = byMonth.isEmpty ? Self.initialMonthCapacity : Self.initialMonthCapacity / 16
        let bytes = Self.append(
            row, partition: partition, offset: offset, to: &byMonth[month, default: MonthRows(capacity: capacity)])
        byteCount += bytes.count
        rows.append(Row(partition: partition, offset: offset, month: month, bytes: bytes))
    }

    /// The months (`YYYYMM`) the rows fall in, oldest first.
    var months: [Int] { byMonth.keys.sorted() }

    /// The rows of one month as TabSeparated data, and how many there are.
    func rows(ofMonth month: Int) -> (bytes: [UInt8], count: Int) {
        guard let rows = byMonth[month] else { return ([], 0) }
        return (rows.writer.bytes, rows.count)
    }

    /// Takes out the rows of one month (inserted).
    mutating func remove(month: Int) {
        guard let removed = byMonth.removeValue(forKey: month) else { return }
        byteCount -= removed.writer.bytes.count
        rows.removeAll { $0.month == month }
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
        byMonth.removeAll()
        ranges.removeAll(keepingCapacity: true)
        recordsRead = 0
        byteCount = 0
        startedAt = nil
    }

    /// Keeps the rows `keep` says, in their order (after a failure or a rebalance: rare).
    private mutating func keepRows(where keep: (Row) -> Bool) {
        var kept: [Row] = []
        var keptMonths: [Int: MonthRows] = [:]
        var keptBytes = 0
        for row in rows where keep(row) {
            guard let old = byMonth[row.month] else { continue }
            let bytes = keptMonths[row.month, default: MonthRows(capacity: 0)].append(
                rawRow: old.writer.bytes[row.bytes])
            keptBytes += bytes.count
            kept.append(Row(partition: row.partition, offset: row.offset, month: row.month, bytes: bytes))
        }
        rows = kept
        byMonth = keptMonths
        byteCount = keptBytes
    }

    /// Writes `row` to its month's rows; returns where it is in them.
    private static func append(
        _ row: HistoryRecord, partition: Int32, offset: Int64, to month: inout MonthRows
    ) -> Range<Int> {
        let start = month.writer.bytes.count
        write(row, partition: partition, offset: offset, to: &month.writer)
        month.count += 1
        return start..<month.writer.bytes.count
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
