import AnalyticsCore
import Foundation

/// The answer to a `StatsQuery`: ClickHouse's counts turned into the metrics asked for, and
/// written as Plausible's Stats API v2 writes them (JSON), or as CSV.
public struct QueryResults: Sendable {
    /// The counts of one group in one period (`QueryCount`).
    public struct Counts: Sendable, Equatable {
        public var visitors = 0
        public var pageviews = 0
        public var events = 0
        public var visits = 0
        public var bounces = 0
        public var duration = 0
        public var baseVisitors = 0
        /// The visitors of the whole period (percentage, a goal's conversion rate), when asked.
        public var total: Int?

        public init() {}
    }

    /// One result: its dimensions' values, its counts, and the other period's when comparing.
    public struct Row: Sendable, Equatable {
        public var dimensions: [String]
        public var current: Counts
        public var previous: Counts?
    }

    public let query: StatsQuery
    public let period: QueryPeriod
    /// The dimensions as grouped (`time` made concrete).
    public let grouped: [QueryDimension]
    public var rows: [Row]
    /// The results there are before pagination (`include.total_rows`).
    public var totalRows: Int?

    /// Reads ClickHouse's `FORMAT JSONCompact` answer to `sql.statement`.
    public init(answer: [UInt8], sql: QuerySQL) throws(QueryError) {
        query = sql.query
        period = sql.period
        grouped = sql.dimensions
        guard case .object(let members)? = try? JSONParser.parse(answer), case .array(let data)? = members["data"]
        else {
            throw .unavailable("ClickHouse's answer could not be read")
        }
        let dimensionCount = sql.dimensions.count
        let comparing = sql.period.previous != nil
        let countsWidth = QueryCount.allCases.count
        rows = []
        rows.reserveCapacity(data.count)
        for item in data {
            guard case .array(let cells) = item, cells.count >= dimensionCount + countsWidth * (comparing ? 2 : 1)
            else {
                throw .unavailable("ClickHouse's answer has rows of an unexpected shape")
            }
            let dimensions = cells[0..<dimensionCount].map { cell -> String in
                if case .string(let text) = cell { return text }
                return ""
            }
            var index = dimensionCount
            func counts() -> Counts {
                var counts = Counts()
                for count in QueryCount.allCases {
                    let value = Self.integer(cells[index])
                    index += 1
                    switch count {
                    case .visitors: counts.visitors = value
                    case .pageviews: counts.pageviews = value
                    case .events: counts.events = value
                    case .visits: counts.visits = value
                    case .bounces: counts.bounces = value
                    case .duration: counts.duration = value
                    case .baseVisitors: counts.baseVisitors = value
                    }
                }
                return counts
            }
            var current = counts()
            var previous = comparing ? counts() : nil
            if comparing { index += 1 }  // `present`
            if sql.needsTotal, index < cells.count {
                current.total = Self.integer(cells[index])
                if comparing, index + 1 < cells.count { previous?.total = Self.integer(cells[index + 1]) }
            }
            rows.append(Row(dimensions: dimensions, current: current, previous: previous))
        }
        if query.totalRows {
            totalRows = members["rows_before_limit_at_least"].map(Self.integer) ?? rows.count
        }
    }

    /// A count as ClickHouse writes it: 64-bit integers quoted, smaller ones bare.
    private static func integer(_ value: JSONValue) -> Int {
        switch value {
        case .integer(let number): Int(clamping: number)
        case .number(let number): Int64(exactly: number.rounded()).map { Int(clamping: $0) } ?? 0
        case .string(let text): Int(text) ?? 0
        default: 0
        }
    }

    /// A metric's value from counts: whole numbers stay whole; a rate of nothing is 0, never NaN.
    public func value(_ metric: QueryMetric, _ counts: Counts) -> JSONValue {
        func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 0 : Double(part) / Double(whole) }
        func rounded(_ value: Double, _ places: Double) -> Double { (value * places).rounded() / places }
        switch metric {
        case .visitors: return .integer(Int64(counts.visitors))
        case .visits: return .integer(Int64(counts.visits))
        case .pageviews: return .integer(Int64(counts.pageviews))
        case .events: return .integer(Int64(counts.events))
        case .viewsPerVisit: return .number(rounded(ratio(counts.pageviews, counts.visits), 100))
        case .bounceRate: return .integer(Int64((ratio(counts.bounces, counts.visits) * 100).rounded()))
        case .visitDuration: return .integer(Int64(ratio(counts.duration, counts.visits).rounded()))
        case .percentage:
            guard let total = counts.total else { return .number(100) }
            return .number(rounded(ratio(counts.visitors, total) * 100, 10))
        case .conversionRate:
            let base = grouped.contains(.goal) ? (counts.total ?? 0) : counts.baseVisitors
            return .number(rounded(ratio(counts.visitors, base) * 100, 100))
        }
    }

    /// The change from the other period: percentage points for rates, else the change in percent
    /// (100 from nothing to something, 0 from nothing to nothing).
    public func change(_ metric: QueryMetric, now: JSONValue, before: JSONValue) -> JSONValue {
        let new = now.doubleValue ?? 0
        let old = before.doubleValue ?? 0
        switch metric {
        case .bounceRate, .conversionRate, .percentage:
            return .number(((new - old) * 10).rounded() / 10)
        default:
            if old == 0 { return .integer(new == 0 ? 0 : 100) }
            return .integer(Int64(((new - old) / old * 100).rounded()))
        }
    }

    // MARK: - Writing

    public func json() -> [UInt8] {
        var results: [JSONValue] = []
        results.reserveCapacity(rows.count)
        for row in rows {
            let metrics = query.metrics.map { value($0, row.current) }
            var members: [String: JSONValue] = [
                "dimensions": .array(row.dimensions.map(JSONValue.string)), "metrics": .array(metrics),
            ]
            if let previous = row.previous {
                let before = query.metrics.map { value($0, previous) }
                let dimensions = zip(query.dimensions, row.dimensions).map { dimension, label -> JSONValue in
                    dimension.isTime
                        ? .string(
                            period.previousLabel(label, bucket: dimension == .time ? period.timeBucket : dimension))
                        : .string(label)
                }
                members["comparison"] = .object([
                    "dimensions": .array(dimensions), "metrics": .array(before),
                    "change": .array(
                        query.metrics.indices.map { change(query.metrics[$0], now: metrics[$0], before: before[$0]) }),
                ])
            }
            results.append(.object(members))
        }
        var meta: [String: JSONValue] = ["imports_included": .bool(false)]
        if let totalRows { meta["total_rows"] = .integer(Int64(totalRows)) }
        if query.timeLabels, let time = query.dimensions.first(where: \.isTime) {
            meta["time_labels"] = .array(period.labels(time == .time ? period.timeBucket : time).map(JSONValue.string))
        }
        var echoed: [String: JSONValue] = [
            "site_id": .string(query.site),
            "metrics": .array(query.metrics.map { .string($0.rawValue) }),
            "date_range": .array(period.echoed(period.current).map(JSONValue.string)),
            "dimensions": .array(query.dimensions.map { .string($0.rawValue) }),
            "filters": .array(query.filters.map(Self.echo)),
            "order_by": .array(
                query.orderBy.map { order in
                    let name: String
                    switch order.key {
                    case .metric(let metric): name = metric.rawValue
                    case .dimension(let dimension): name = dimension.rawValue
                    }
                    return .array([.string(name), .string(order.ascending ? "asc" : "desc")])
                }),
            "pagination": .object(["limit": .integer(Int64(query.limit)), "offset": .integer(Int64(query.offset))]),
            "time_zone": .string(period.timeZone.identifier),
        ]
        if let previous = period.previous {
            echoed["comparison_date_range"] = .array(period.echoed(previous).map(JSONValue.string))
        }
        var include: [String: JSONValue] = [:]
        if let comparison = query.comparison {
            include["comparisons"] = .object(["mode": .string(comparison.rawValue)])
        }
        if query.totalRows { include["total_rows"] = .bool(true) }
        if query.timeLabels { include["time_labels"] = .bool(true) }
        echoed["include"] = .object(include)
        var writer = JSONWriter(capacity: 256 + rows.count * 64)
        writer.object(["results": .array(results), "meta": .object(meta), "query": .object(echoed)])
        return writer.bytes
    }

    private static func echo(_ filter: QueryFilter) -> JSONValue {
        switch filter {
        case .compare(let op, let dimension, let values):
            .array([.string(op.rawValue), .string(dimension.rawValue), .array(values.map(JSONValue.string))])
        case .and(let filters): .array([.string("and"), .array(filters.map(echo))])
        case .or(let filters): .array([.string("or"), .array(filters.map(echo))])
        case .not(let filter): .array([.string("not"), echo(filter)])
        }
    }

    /// RFC 4180 CSV: a header row of the dimensions and metrics (and, when comparing, each
    /// metric's other-period value and change), then one line per result.
    public func csv() -> [UInt8] {
        var header = query.dimensions.map(\.rawValue) + query.metrics.map(\.rawValue)
        if query.comparison != nil {
            header += query.metrics.map { "\($0.rawValue)_comparison" } + query.metrics.map { "\($0.rawValue)_change" }
        }
        var lines = [header.map(Self.field).joined(separator: ",")]
        for row in rows {
            let metrics = query.metrics.map { value($0, row.current) }
            var fields = row.dimensions + metrics.map(Self.text)
            if let previous = row.previous {
                let before = query.metrics.map { value($0, previous) }
                fields += before.map(Self.text)
                fields += query.metrics.indices.map {
                    Self.text(change(query.metrics[$0], now: metrics[$0], before: before[$0]))
                }
            }
            lines.append(fields.map(Self.field).joined(separator: ","))
        }
        return Array((lines.joined(separator: "\r\n") + "\r\n").utf8)
    }

    private static func text(_ value: JSONValue) -> String {
        var writer = JSONWriter(capacity: 16)
        writer.value(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// A CSV field, quoted when it holds a comma, quote or line break; one that a spreadsheet
    /// would run as a formula (`=`, `+`, `-`, `@` first) is prefixed with `'` (OWASP's advice).
    public static func field(_ text: String) -> String {
        var value = text
        if let first = value.unicodeScalars.first, "=+-@\t\r".unicodeScalars.contains(first),
            Double(value) == nil
        {
            value = "'" + value
        }
        // Bytes, not Characters: "\r\n" is one Character and equals neither "\r" nor "\n".
        let special: Set<UInt8> = [UInt8(ascii: ","), UInt8(ascii: "\""), UInt8(ascii: "\n"), UInt8(ascii: "\r")]
        guard value.utf8.contains(where: special.contains) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
