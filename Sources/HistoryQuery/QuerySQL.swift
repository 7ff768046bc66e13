import ClickHouse

/// The one statement that answers a `StatsQuery`: every name in it comes from the closed enums of
/// `QueryVocabulary` and this file, every value the request carries from `SQLLiteral`.
///
/// Shape (docs/http-api.md, "How the numbers are counted"):
/// - rows: the site's events in the period (and the other period when comparing), bots left out,
///   each with its visit's key (`sid`) and visitor's key (`vid`);
/// - visits, when anything needs them: per visit its first event's source, referrer and campaign,
///   its first and last page, its number of page views and its length, joined onto its rows;
/// - filters on the rows (a visit's properties are those of its visit); a goal filter marks the
///   rows that convert instead of removing the others, so a conversion rate has its base;
/// - grouped by the dimensions (and per visit first for visit metrics); when comparing, both
///   periods in one pass, the other period's time buckets moved onto the query's.
/// The statement returns counts only; rates and averages are worked out from them in Swift
/// (`QueryResults`), so none can be non-finite.
public struct QuerySQL: Sendable {
    public let query: StatsQuery
    public let period: QueryPeriod
    public let goals: [Goal]
    public let database: String

    public init(query: StatsQuery, period: QueryPeriod, goals: [Goal], database: String) {
        self.query = query
        self.period = period
        self.goals = goals
        self.database = database
    }

    /// The counts each result row carries, per period, in this order.
    public static let counts = ["visitors", "pageviews", "events", "visits", "bounces", "duration", "base_visitors"]

    /// The dimensions as grouped: `time` made concrete.
    public var dimensions: [QueryDimension] {
        query.dimensions.map { $0 == .time ? period.timeBucket : $0 }
    }

    private var comparing: Bool { period.previous != nil }

    private var needsVisits: Bool {
        query.metrics.contains(where: \.isSessionMetric) || dimensions.contains(where: \.needsVisit)
            || query.filters.flatMap(\.dimensions).contains(where: \.needsVisit)
    }

    private var zone: String { SQLLiteral.string(period.timeZone.identifier) }

    /// Rows of the period: the source every other part reads.
    private var rows: String {
        var ranges = [Self.range(period.current)]
        if let previous = period.previous { ranges.append(Self.range(previous)) }
        let visitColumns = needsVisits ? ", source, referrer, utm_source, utm_medium, utm_campaign" : ""
        let current = comparing ? ", timestamp >= toDateTime(\(SQLLiteral.integer(period.current.start))) AS cur" : ""
        return """
            SELECT if(session != 0, session, if(visitor != 0, visitor, sipHash64(id))) AS sid, \
            if(visitor != 0, visitor, sid) AS vid, timestamp, type, path, hostname, country, device, browser, os\
            \(visitColumns)\(current) \
            FROM `\(database)`.events \
            WHERE site = \(SQLLiteral.string(query.site)) AND bot = 0 AND (\(ranges.joined(separator: " OR ")))
            """
    }

    private static func range(_ days: QueryPeriod.Days) -> String {
        "(timestamp >= toDateTime(\(SQLLiteral.integer(days.start))) AND timestamp < toDateTime(\(SQLLiteral.integer(days.end))))"
    }

    /// Rows with their visit's properties when anything reads them, else the rows alone.
    private var source: String {
        guard needsVisits else { return "(\(rows))" }
        let key = comparing ? "sid, cur" : "sid"
        let visits = """
            SELECT \(key), argMin(source, timestamp) AS s_source, argMin(referrer, timestamp) AS s_referrer, \
            argMin(utm_source, timestamp) AS s_utm_source, argMin(utm_medium, timestamp) AS s_utm_medium, \
            argMin(utm_campaign, timestamp) AS s_utm_campaign, \
            argMinIf(path, timestamp, type = 'page_view') AS s_entry_page, \
            argMaxIf(path, timestamp, type = 'page_view') AS s_exit_page, \
            countIf(type = 'page_view') AS s_views, max(timestamp) - min(timestamp) AS s_duration \
            FROM (\(rows)) GROUP BY \(key)
            """
        return "(SELECT * FROM (\(rows)) ANY INNER JOIN (\(visits)) USING (\(key)))"
    }

    /// The column or expression of a dimension in a row of `source`.
    private func column(_ dimension: QueryDimension) -> String {
        switch dimension {
        case .page: "path"
        case .name: "type"
        case .hostname: "hostname"
        case .country: "country"
        case .device: "device"
        case .browser: "browser"
        case .operatingSystem: "os"
        case .source: "s_source"
        case .referrer: "s_referrer"
        case .utmSource: "s_utm_source"
        case .utmMedium: "s_utm_medium"
        case .utmCampaign: "s_utm_campaign"
        case .entryPage: "s_entry_page"
        case .exitPage: "s_exit_page"
        case .goal:
            goals.isEmpty
                ? "''"
                : "multiIf("
                    + goals.map { "\(predicate(of: $0)), \(SQLLiteral.string($0.name))" }.joined(separator: ", ")
                    + ", '')"
        case .time, .day: "toString(\(shiftedDate("toDate(timestamp, \(zone))")))"
        case .hour:
            "toString(\(shiftedTime("toStartOfHour(timestamp, \(zone))")), \(zone))"
        case .week: "toString(toMonday(\(shiftedDate("toDate(timestamp, \(zone))"))))"
        case .month: "toString(toStartOfMonth(\(shiftedDate("toDate(timestamp, \(zone))"))))"
        }
    }

    /// A date of the other period moved onto the query's period, so both group together.
    private func shiftedDate(_ date: String) -> String {
        switch period.shift {
        case nil: date
        case .days(let days): "if(cur, \(date), addDays(\(date), \(SQLLiteral.integer(days))))"
        case .months(let months): "if(cur, \(date), addMonths(\(date), \(SQLLiteral.integer(months))))"
        }
    }

    private func shiftedTime(_ time: String) -> String {
        switch period.shift {
        case nil: time
        case .days(let days): "if(cur, \(time), addDays(\(time), \(SQLLiteral.integer(days))))"
        case .months(let months): "if(cur, \(time), addMonths(\(time), \(SQLLiteral.integer(months))))"
        }
    }

    private func predicate(of goal: Goal) -> String {
        switch goal.kind {
        case .event(let name): "type = \(SQLLiteral.string(name))"
        case .page(let path): "(type = 'page_view' AND path = \(SQLLiteral.string(path)))"
        }
    }

    /// A filter as a condition on a row of `source`.
    public func condition(_ filter: QueryFilter) -> String {
        switch filter {
        case .and(let filters): "(" + filters.map(condition).joined(separator: " AND ") + ")"
        case .or(let filters): "(" + filters.map(condition).joined(separator: " OR ") + ")"
        case .not(let filter): "NOT \(condition(filter))"
        case .compare(let op, let dimension, let values):
            {
                let column = column(dimension)
                let test: String
                switch op {
                case .is, .isNot:
                    test = "\(column) IN (" + values.map { SQLLiteral.string($0) }.joined(separator: ", ") + ")"
                case .contains, .containsNot:
                    test =
                        "(" + values.map { "\(column) LIKE \(SQLLiteral.containing($0))" }.joined(separator: " OR ")
                        + ")"
                }
                return op.isNegated ? "NOT \(test)" : test
            }()
        }
    }

    /// Rows that convert: those of the goals the query filters on; every row without a goal filter.
    private var converts: String {
        guard let names = query.goalFilter else { return "1" }
        let chosen = goals.filter { names.contains($0.name) }
        return chosen.isEmpty ? "0" : "(" + chosen.map(predicate(of:)).joined(separator: " OR ") + ")"
    }

    private var rowFilter: String {
        var conditions = query.otherFilters.map(condition)
        if dimensions.contains(.goal) { conditions.append("\(column(.goal)) != ''") }
        // An event with no page (a custom event sent without a url) is on no page.
        if dimensions.contains(.page) { conditions.append("path != ''") }
        return conditions.isEmpty ? "1" : conditions.joined(separator: " AND ")
    }

    /// The statement, `FORMAT JSONCompact`: per row the dimensions (as strings), then `counts` for
    /// the query's period and, when comparing, for the other; then the visitors of the whole
    /// period (for `percentage` and a goal's `conversion_rate`).
    public var statement: String {
        let groups = dimensions.enumerated().map { "\(column($0.element)) AS d\($0.offset)" }
        let keys = dimensions.indices.map { "d\($0)" }
        let periodKey = comparing ? ["cur"] : []
        let grouped: String
        if query.metrics.contains(where: \.isSessionMetric) {
            // Each visit first, then the visits of each group.
            let perVisit = """
                SELECT \((periodKey + groups + ["sid"]).joined(separator: ", ")), any(vid) AS v, \
                countIf(type = 'page_view' AND \(converts)) AS pv, countIf(\(converts)) AS ev, \
                max(\(converts)) AS conv, any(s_views) AS sv, any(s_duration) AS sd \
                FROM \(source) WHERE \(rowFilter) GROUP BY \((periodKey + keys + ["sid"]).joined(separator: ", "))
                """
            grouped = """
                SELECT \((periodKey + keys + ["uniqExactIf(v, conv) AS visitors"]).joined(separator: ", ")), \
                sum(pv) AS pageviews, sum(ev) AS events, countIf(conv) AS visits, countIf(conv AND sv <= 1) AS bounces, \
                sumIf(sd, conv) AS duration, uniqExact(v) AS base_visitors \
                FROM (\(perVisit))\(keys.isEmpty && periodKey.isEmpty ? "" : " GROUP BY " + (periodKey + keys).joined(separator: ", "))
                """
        } else {
            grouped = """
                SELECT \((periodKey + groups + ["uniqExactIf(vid, \(converts)) AS visitors"]).joined(separator: ", ")), \
                countIf(type = 'page_view' AND \(converts)) AS pageviews, countIf(\(converts)) AS events, \
                toUInt64(0) AS visits, toUInt64(0) AS bounces, toInt64(0) AS duration, uniqExact(vid) AS base_visitors \
                FROM \(source) WHERE \(rowFilter)\(keys.isEmpty && periodKey.isEmpty ? "" : " GROUP BY " + (periodKey + keys).joined(separator: ", "))
                """
        }
        var columns = keys
        let pivoted: String
        if comparing {
            for prefix in ["c", "p"] {
                for count in Self.counts {
                    columns.append("sumIf(\(count), cur\(prefix == "c" ? "" : " = 0")) AS \(prefix)_\(count)")
                }
            }
            pivoted =
                "SELECT \(columns.joined(separator: ", ")), max(cur) AS present FROM (\(grouped))"
                + (keys.isEmpty ? "" : " GROUP BY \(keys.joined(separator: ", "))")
                + (keys.isEmpty ? "" : " HAVING present = 1")
        } else {
            columns += Self.counts.map { "\($0) AS c_\($0)" }
            pivoted = "SELECT \(columns.joined(separator: ", ")) FROM (\(grouped))"
        }
        var outer = ["*"]
        if needsTotal {
            outer.append(total(current: true) + " AS c_total")
            if comparing { outer.append(total(current: false) + " AS p_total") }
        }
        // With a goal filter, groups where nobody converted are not results (as in Plausible).
        let converted = query.goalFilter == nil || dimensions.isEmpty ? "" : " WHERE c_visitors > 0"
        return "SELECT \(outer.joined(separator: ", ")) FROM (\(pivoted))\(converted) ORDER BY \(ordering) "
            + "LIMIT \(SQLLiteral.integer(query.offset)), \(SQLLiteral.integer(query.limit)) FORMAT JSONCompact"
    }

    /// Whether results need the visitors of the whole period.
    public var needsTotal: Bool {
        !dimensions.isEmpty
            && (query.metrics.contains(.percentage)
                || (query.metrics.contains(.conversionRate) && dimensions.contains(.goal)))
    }

    /// The visitors of the whole period, filtered but not grouped: the base of `percentage`, and
    /// of a goal's `conversion_rate` (every visitor, converted or not).
    private func total(current: Bool) -> String {
        let forGoals = dimensions.contains(.goal)
        var conditions = query.otherFilters.map(condition)
        if comparing { conditions.append(current ? "cur" : "NOT cur") }
        let counted = forGoals ? "uniqExact(vid)" : "uniqExactIf(vid, \(converts))"
        return
            "(SELECT \(counted) FROM \(source)\(conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")))"
    }

    /// `ORDER BY`: the query's `order_by`, else time ascending or the first metric descending;
    /// then every dimension, so pages of results never overlap.
    private var ordering: String {
        var orders = query.orderBy
        if orders.isEmpty {
            if let time = query.dimensions.first(where: \.isTime) {
                orders = [StatsQuery.Order(key: .dimension(time), ascending: true)]
            } else if let first = query.metrics.first {
                orders = [StatsQuery.Order(key: .metric(first), ascending: false)]
            }
        }
        var terms = orders.map { order -> String in
            let expression: String
            switch order.key {
            case .metric(let metric):
                expression = Self.sortExpression(metric, goalDimension: dimensions.contains(.goal))
            case .dimension(let dimension):
                expression = "d\(query.dimensions.firstIndex(of: dimension) ?? 0)"
            }
            return expression + (order.ascending ? " ASC" : " DESC")
        }
        terms += dimensions.indices.map { "d\($0) ASC" }
        return terms.isEmpty ? "tuple()" : terms.joined(separator: ", ")
    }

    private static func sortExpression(_ metric: QueryMetric, goalDimension: Bool) -> String {
        switch metric {
        case .visitors, .percentage: "c_visitors"
        case .visits: "c_visits"
        case .pageviews: "c_pageviews"
        case .events: "c_events"
        case .viewsPerVisit: "if(c_visits = 0, 0, c_pageviews / c_visits)"
        case .bounceRate: "if(c_visits = 0, 0, c_bounces / c_visits)"
        case .visitDuration: "if(c_visits = 0, 0, c_duration / c_visits)"
        case .conversionRate: goalDimension ? "c_visitors" : "if(c_base_visitors = 0, 0, c_visitors / c_base_visitors)"
        }
    }
}
