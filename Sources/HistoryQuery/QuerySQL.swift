import ClickHouse

/// The one statement that answers a `StatsQuery`: every name in it comes from the closed enums
/// (`QueryMetric`, `QueryDimension`, `FilterOperator`) and this file, every value the request
/// carries from `SQLLiteral`.
///
/// Shape (docs/http-api.md, "How the numbers are counted"):
/// - rows: the site's events in the period (and the other period when comparing), bots left out,
///   each with its visit's key (`sid`) and visitor's key (`vid`);
/// - visits: per visit its visitor, its first event's source, referrer and campaign, its first
///   and last page, its page views, its length and whether it converted;
/// - one of three plans (`Plan`), the cheapest that can answer: grouped visits; grouped rows
///   (visits chosen by a visit filter through `IN`); or rows with their visit joined;
/// - a goal filter marks what converts instead of removing the rest, so a conversion rate has
///   its base; when comparing, both periods in one pass, the other period's time buckets moved
///   onto the query's.
/// The statement returns counts only; rates and averages are worked out from them in Swift
/// (`QueryResults`), so none can be non-finite.
public struct QuerySQL: Sendable {
    public let query: StatsQuery
    public let period: QueryPeriod
    public let goals: [Goal]
    public let database: String
    /// `COUNT_BOTS`: events marked as bots count as people, as on the live view.
    public let countsBots: Bool

    public init(query: StatsQuery, period: QueryPeriod, goals: [Goal], database: String, countsBots: Bool = false) {
        self.query = query
        self.period = period
        self.goals = goals
        self.database = database
        self.countsBots = countsBots
    }

    /// How the statement reads the events, cheapest first.
    public enum Plan: Sendable, Equatable {
        /// Visits grouped by visit properties: no event or time dimension, filters on visits only.
        case visits
        /// Rows grouped by event properties: no visit metric and no dimension that needs the
        /// visit's first event; filters on such properties choose visits through `IN`.
        case rows
        /// Rows with their visit's properties joined: everything else.
        case joined
    }

    /// The dimensions as grouped: `time` made concrete.
    public var dimensions: [QueryDimension] {
        query.dimensions.map { $0 == .time ? period.timeBucket : $0 }
    }

    public var plan: Plan {
        let filterDimensions = query.otherFilters.flatMap(\.dimensions)
        let rowsCan =
            !query.metrics.contains(where: \.isSessionMetric) && !dimensions.contains(where: \.needsVisit)
            && query.otherFilters.allSatisfy { filter in
                let used = filter.dimensions
                return !used.contains(where: \.needsVisit) || used.allSatisfy { !$0.isEventDimension }
            }
        let visitsCan =
            !dimensions.contains(where: { $0.isEventDimension || $0.isTime })
            && filterDimensions.allSatisfy({ !$0.isEventDimension })
        // Rows are cheapest when no visit has to be read whole; a filter on a visit's first event
        // reads visits anyway, so a query that visits can answer reads them once.
        if rowsCan && (!filterDimensions.contains(where: \.needsVisit) || !visitsCan) { return .rows }
        if visitsCan { return .visits }
        return .joined
    }

    private var comparing: Bool { period.previous != nil }

    /// Whether the statement groups the visits of two periods: a dashboard page's longest query
    /// by far (its tiles), two and a half times the next, worth more than one thread.
    public var groupsVisitsOfTwoPeriods: Bool { comparing && plan != .rows }

    /// The counts the metrics need (`order_by` names only metrics of the query); the rest are
    /// written as 0, sparing their aggregates: the sources card, for one, needs only each visit's
    /// visitor and source.
    public var neededCounts: Set<QueryCount> {
        var needed: Set<QueryCount> = []
        for metric in query.metrics {
            switch metric {
            case .visitors, .percentage: needed.insert(.visitors)
            case .visits: needed.insert(.visits)
            case .pageviews: needed.insert(.pageviews)
            case .events: needed.insert(.events)
            case .viewsPerVisit: needed.formUnion([.pageviews, .visits])
            case .bounceRate: needed.formUnion([.bounces, .visits])
            case .visitDuration: needed.formUnion([.duration, .visits])
            case .conversionRate:
                // The base of a rate by goal filter: every visitor, converted or not. By goal
                // dimension the base is the period's visitors (`total`).
                needed.insert(.visitors)
                if converting { needed.insert(.baseVisitors) }
            }
        }
        // With a goal filter, groups where nobody converted are left out by their visitors.
        if converting && !dimensions.isEmpty { needed.insert(.visitors) }
        return needed
    }

    private var zone: String { SQLLiteral.string(period.timeZone.identifier) }

    /// Columns that group by the period (`cur`: 1 for the query's, 0 for the other) when comparing.
    private var periodKey: [String] { comparing ? ["cur"] : [] }

    // MARK: - Rows and visits

    /// Rows of the period: the source every other part reads. An event without a session is a
    /// visit of its visitor (one without either has its own id's hash as session:
    /// `HistoryRecord`).
    private var rows: String { rows(prefiltered: true) }

    /// The rows of the period; `prefiltered`: only those of visits a filter on a visit's first
    /// event can match (`visitCandidates`), where no stricter choice of visits follows.
    private func rows(prefiltered: Bool) -> String {
        var ranges = [Self.range(period.current)]
        if let previous = period.previous {
            // Adjacent periods are one range; others, their bounds and either period.
            if previous.end == period.current.start {
                ranges = [
                    Self.range(
                        QueryPeriod.Days(
                            first: previous.first, last: period.current.last,
                            start: previous.start, end: period.current.end))
                ]
            } else {
                ranges.append(Self.range(previous))
                ranges = [
                    "timestamp >= toDateTime(\(SQLLiteral.integer(min(previous.start, period.current.start)))) "
                        + "AND timestamp < toDateTime(\(SQLLiteral.integer(max(previous.end, period.current.end)))) AND ("
                        + ranges.joined(separator: " OR ") + ")"
                ]
            }
        }
        let current = comparing ? ", timestamp >= toDateTime(\(SQLLiteral.integer(period.current.start))) AS cur" : ""
        let chosen =
            "site = \(SQLLiteral.string(query.site))\(countsBots ? "" : " AND bot = 0") AND (\(ranges.joined(separator: " OR ")))"
        // Visits a filter on a visit's first event can match: those with an event that has the
        // value. Reading only their rows spares grouping every visit of the period.
        let candidates = (prefiltered ? visitCandidates : []).map {
            " AND sid IN (SELECT if(session != 0, session, visitor) FROM `\(database)`.events WHERE \(chosen) AND \($0))"
        }.joined()
        return """
            SELECT if(session != 0, session, visitor) AS sid, \
            if(visitor != 0, visitor, sid) AS vid, timestamp, type, path, hostname, country, device, browser, os, \
            source, referrer, utm_source, utm_medium, utm_campaign\(current) \
            FROM `\(database)`.events WHERE \(chosen)\(candidates)
            """
    }

    /// For each top-level filter that keeps visits by a value of their first event or page
    /// (`is` or `contains` on a source, referrer, campaign tag, entry or exit page), the
    /// condition on a row that every visit it keeps has at least one row meeting.
    private var visitCandidates: [String] {
        query.otherFilters.compactMap { filter in
            guard case .compare(let op, let dimension, let values) = filter, op == .is || op == .contains else {
                return nil
            }
            let column: String
            var condition = ""
            switch dimension {
            case .source: column = "source"
            case .referrer: column = "referrer"
            case .utmSource: column = "utm_source"
            case .utmMedium: column = "utm_medium"
            case .utmCampaign: column = "utm_campaign"
            case .entryPage, .exitPage:
                column = "path"
                condition = "type = 'page_view' AND "
            default: return nil
            }
            return condition + Self.matching(column, op, values)
        }
    }

    private static func range(_ days: QueryPeriod.Days) -> String {
        "(timestamp >= toDateTime(\(SQLLiteral.integer(days.start))) AND timestamp < toDateTime(\(SQLLiteral.integer(days.end))))"
    }

    /// One row per visit (and period): its visitor `v`, its page views `sv` and length `sd`,
    /// what of it converts (`pv`, `ev`, `conv`), and the visit properties in `properties`, each
    /// as `v_<name>` (`visitColumn`). Only what `counts` need is worked out (`neededCounts`;
    /// none: the visit and its properties alone).
    private func visits(_ properties: [QueryDimension], counts: Set<QueryCount>) -> String {
        // A visit is of the period it began in: grouping by visit alone is a fifth cheaper than by
        // period and visit.
        var columns = ["sid"]
        if !counts.isDisjoint(with: [.visitors, .baseVisitors]) { columns.append("any(vid) AS v") }
        if !counts.isDisjoint(with: [.pageviews, .bounces]) { columns.append("countIf(type = 'page_view') AS sv") }
        if comparing {
            columns.append("min(timestamp) >= toDateTime(\(SQLLiteral.integer(period.current.start))) AS cur")
        }
        if converting {
            columns += [
                "countIf(type = 'page_view' AND \(converts)) AS pv", "countIf(\(converts)) AS ev",
                "max(\(converts)) AS conv",
            ]
        } else if counts.contains(.events) {
            columns.append("count() AS ev")
        }
        if counts.contains(.duration) { columns.append("max(timestamp) - min(timestamp) AS sd") }
        var seen: Set<String> = []
        for property in properties where seen.insert(property.rawValue).inserted {
            columns.append("\(Self.visitAggregate(property)) AS \(Self.visitColumn(property))")
        }
        return "SELECT \(columns.joined(separator: ", ")) FROM (\(rows)) GROUP BY sid"
    }

    /// The name of a visit property in a row of `visits`.
    private static func visitColumn(_ dimension: QueryDimension) -> String {
        "v_" + dimension.rawValue.replacingOccurrences(of: "visit:", with: "")
    }

    /// How a visit property is worked out from its rows: the first event's source and campaign,
    /// the first and last page viewed; country, device, browser and OS are the visitor's.
    private static func visitAggregate(_ dimension: QueryDimension) -> String {
        switch dimension {
        case .source: "argMin(source, timestamp)"
        case .referrer: "argMin(referrer, timestamp)"
        case .utmSource: "argMin(utm_source, timestamp)"
        case .utmMedium: "argMin(utm_medium, timestamp)"
        case .utmCampaign: "argMin(utm_campaign, timestamp)"
        case .entryPage: "argMinIf(path, timestamp, type = 'page_view')"
        case .exitPage: "argMaxIf(path, timestamp, type = 'page_view')"
        case .country: "any(country)"
        case .device: "any(device)"
        case .browser: "any(browser)"
        case .operatingSystem: "any(os)"
        default: "''"
        }
    }

    /// Visit properties a plan reads from `visits`: every one the dimensions and filters name.
    private func visitProperties(_ filters: [QueryFilter], grouped: Bool) -> [QueryDimension] {
        (grouped ? dimensions : []).filter { !$0.isEventDimension && !$0.isTime }
            + filters.flatMap(\.dimensions).filter { !$0.isEventDimension }
    }

    /// Rows with the properties of their visit: its `v_<name>` columns, its page views
    /// (`visit_views`) and length (`visit_length`).
    private func joined(_ properties: [QueryDimension]) -> String {
        let key = "sid"
        var names: [String] = []
        for property in properties where !names.contains(Self.visitColumn(property)) {
            names.append(Self.visitColumn(property))
        }
        let projection = ([key, "sv AS visit_views", "sd AS visit_length"] + names).joined(separator: ", ")
        return
            "(SELECT * FROM (\(rows)) ANY INNER JOIN (SELECT \(projection) FROM (\(visits(properties, counts: [.pageviews, .duration])))) USING (\(key)))"
    }

    // MARK: - Columns and conditions

    /// Where a condition or a group is evaluated: on a row (visit properties of the joined
    /// visit) or on a row of `visits`.
    private enum Context {
        case row
        case visit
    }

    /// The column or expression of a dimension in `context`.
    private func column(_ dimension: QueryDimension, _ context: Context) -> String {
        switch dimension {
        case .page: return "path"
        case .name: return "type"
        case .hostname: return "hostname"
        case .country, .device, .browser, .operatingSystem:
            if context == .visit { return Self.visitColumn(dimension) }
            return dimension == .operatingSystem
                ? "os" : dimension.rawValue.replacingOccurrences(of: "visit:", with: "")
        case .source, .referrer, .utmSource, .utmMedium, .utmCampaign, .entryPage, .exitPage:
            return Self.visitColumn(dimension)
        case .goal:
            return goals.isEmpty
                ? "''"
                : "multiIf("
                    + goals.map { "\(predicate(of: $0)), \(SQLLiteral.string($0.name))" }.joined(separator: ", ")
                    + ", '')"
        case .time, .day: return "toString(\(shifted("toDate(timestamp, \(zone))", .day)))"
        case .hour: return "toString(\(shifted("toStartOfHour(timestamp, \(zone))", .hour)), \(zone))"
        case .week: return "toString(toMonday(\(shifted("toDate(timestamp, \(zone))", .week))))"
        case .month: return "toString(toStartOfMonth(\(shifted("toDate(timestamp, \(zone))", .month))))"
        }
    }

    /// A time of the other period moved onto the query's period, so both group together.
    private func shifted(_ time: String, _ bucket: QueryDimension) -> String {
        switch period.bucketShift(bucket) {
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

    /// A filter as a condition in `context`.
    private func condition(_ filter: QueryFilter, _ context: Context) -> String {
        switch filter {
        case .and(let filters): "(" + filters.map { condition($0, context) }.joined(separator: " AND ") + ")"
        case .or(let filters): "(" + filters.map { condition($0, context) }.joined(separator: " OR ") + ")"
        case .not(let filter): "NOT \(condition(filter, context))"
        case .compare(let op, let dimension, let values):
            op.isNegated
                ? "NOT \(Self.matching(column(dimension, context), op, values))"
                : Self.matching(column(dimension, context), op, values)
        }
    }

    /// `column` equal to one of `values` (`is`, `is_not`), or containing one (`contains`,
    /// `contains_not`); the negation is the caller's.
    private static func matching(_ column: String, _ op: FilterOperator, _ values: [String]) -> String {
        switch op {
        case .is, .isNot: "\(column) IN (" + values.map { SQLLiteral.string($0) }.joined(separator: ", ") + ")"
        case .contains, .containsNot:
            "(" + values.map { "\(column) LIKE \(SQLLiteral.containing($0))" }.joined(separator: " OR ") + ")"
        }
    }

    /// Whether the query filters on goals: counts are then of what converts (`converts`).
    private var converting: Bool { query.goalFilter != nil }

    /// Rows that convert: those of the goals the query filters on; every row without a goal filter.
    private var converts: String {
        guard let names = query.goalFilter else { return "1" }
        let chosen = goals.filter { names.contains($0.name) }
        return chosen.isEmpty ? "0" : "(" + chosen.map(predicate(of:)).joined(separator: " OR ") + ")"
    }

    /// The conditions on a row: the filters (in `.rows`, those on a visit's first event choose
    /// the visit through `IN`), a goal dimension's goals, a page dimension's pages.
    private func rowConditions(_ plan: Plan) -> [String] {
        var conditions: [String] = []
        var byVisit: [QueryFilter] = []
        for filter in query.otherFilters {
            if plan == .rows, filter.dimensions.contains(where: \.needsVisit) {
                byVisit.append(filter)
            } else {
                conditions.append(condition(filter, .row))
            }
        }
        if !byVisit.isEmpty {
            conditions.append(
                "sid IN (SELECT sid FROM (\(visits(visitProperties(byVisit, grouped: false), counts: []))) WHERE "
                    + byVisit.map { condition($0, .visit) }.joined(separator: " AND ") + ")")
        }
        if dimensions.contains(.goal) { conditions.append("\(column(.goal, .row)) != ''") }
        // An event with no page (a custom event sent without a url) is on no page.
        if dimensions.contains(.page) { conditions.append("path != ''") }
        return conditions
    }

    private static func whereClause(_ conditions: [String]) -> String {
        conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
    }

    // MARK: - The statement

    /// The counts of each group (and period).
    private var grouped: String {
        let plan = self.plan
        let context: Context = plan == .visits ? .visit : .row
        let groups = dimensions.enumerated().map { "\(column($0.element, context)) AS d\($0.offset)" }
        let keys = periodKey + dimensions.indices.map { "d\($0)" }
        let groupBy = keys.isEmpty ? "" : " GROUP BY " + keys.joined(separator: ", ")
        switch plan {
        case .visits:
            let filters = query.otherFilters.map { condition($0, .visit) }
            return """
                SELECT \((periodKey + groups + visitCounts).joined(separator: ", ")) \
                FROM (\(visits(visitProperties(query.otherFilters, grouped: true), counts: neededCounts)))\(Self.whereClause(filters))\(groupBy)
                """
        case .rows:
            // Visits chosen through `IN` are already those of the candidates: no second prefilter.
            let choosesVisits = query.otherFilters.contains { $0.dimensions.contains(where: \.needsVisit) }
            return "SELECT \((periodKey + groups + rowCounts).joined(separator: ", ")) "
                + "FROM (\(rows(prefiltered: !choosesVisits)))\(Self.whereClause(rowConditions(.rows)))\(groupBy)"
        case .joined:
            let source = joined(visitProperties(query.otherFilters, grouped: true))
            if query.metrics.contains(where: \.isSessionMetric) {
                // Each visit in each group first, then the visits of each group.
                let perVisit = """
                    SELECT \((periodKey + groups + ["sid"]).joined(separator: ", ")), any(vid) AS v, \
                    countIf(type = 'page_view' AND \(converts)) AS pv, countIf(\(converts)) AS ev, \
                    max(\(converts)) AS conv, any(visit_views) AS sv, any(visit_length) AS sd \
                    FROM \(source)\(Self.whereClause(rowConditions(.joined))) \
                    GROUP BY \((keys + ["sid"]).joined(separator: ", "))
                    """
                return "SELECT \((keys + visitCounts).joined(separator: ", ")) FROM (\(perVisit))\(groupBy)"
            }
            return "SELECT \((periodKey + groups + rowCounts).joined(separator: ", ")) "
                + "FROM \(source)\(Self.whereClause(rowConditions(.joined)))\(groupBy)"
        }
    }

    /// The counts of a group of rows: a needed count's expression, otherwise 0. Without a goal
    /// filter every row counts, and the plain aggregates are a sixth cheaper than their `-If`
    /// forms. Rows count no visits (the plans read visits for those).
    private var rowCounts: [String] {
        Self.columns(
            of: [
                .visitors: converting ? "uniqExactIf(vid, \(converts))" : "uniqExact(vid)",
                .pageviews: converting ? "countIf(type = 'page_view' AND \(converts))" : "countIf(type = 'page_view')",
                .events: converting ? "countIf(\(converts))" : "count()",
                .baseVisitors: "uniqExact(vid)",
            ], needed: neededCounts)
    }

    /// The counts of a group of rows of `visits` (which leaves out the columns of counts not
    /// needed): a needed count's expression, otherwise 0.
    private var visitCounts: [String] {
        Self.columns(
            of: [
                .visitors: converting ? "uniqExactIf(v, conv)" : "uniqExact(v)",
                .pageviews: converting ? "sum(pv)" : "sum(sv)",
                .events: "sum(ev)",
                .visits: converting ? "countIf(conv)" : "count()",
                .bounces: converting ? "countIf(conv AND sv <= 1)" : "countIf(sv <= 1)",
                .duration: converting ? "sumIf(sd, conv)" : "sum(sd)",
                .baseVisitors: "uniqExact(v)",
            ], needed: neededCounts)
    }

    /// Every count, in `QueryCount` order, as its expression when `needed` and it has one, else
    /// as its zero.
    private static func columns(of expressions: [QueryCount: String], needed: Set<QueryCount>) -> [String] {
        QueryCount.allCases.map { count in
            let expression = needed.contains(count) ? expressions[count] ?? count.zero : count.zero
            return "\(expression) AS \(count.rawValue)"
        }
    }

    /// The statement, `FORMAT JSONCompact`: per row the dimensions (as strings), then `counts` for
    /// the query's period and, when comparing, for the other; then the visitors of the whole
    /// period (for `percentage` and a goal's `conversion_rate`).
    public var statement: String {
        let keys = dimensions.indices.map { "d\($0)" }
        var columns = keys
        let pivoted: String
        if comparing {
            for prefix in ["c", "p"] {
                for count in QueryCount.allCases {
                    columns.append(
                        "sumIf(\(count.rawValue), cur\(prefix == "c" ? "" : " = 0")) AS \(prefix)_\(count.rawValue)")
                }
            }
            pivoted =
                "SELECT \(columns.joined(separator: ", ")), max(cur) AS present FROM (\(grouped))"
                + (keys.isEmpty ? "" : " GROUP BY \(keys.joined(separator: ", ")) HAVING present = 1")
        } else {
            columns += QueryCount.allCases.map { "\($0.rawValue) AS c_\($0.rawValue)" }
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
        let everyone = dimensions.contains(.goal) || !converting
        var conditions: [String] = []
        let from: String
        let filters = query.otherFilters
        if filters.allSatisfy({ !$0.dimensions.contains(where: \.needsVisit) }) {
            // Filters on rows only (or none): the visitors of the rows they keep.
            conditions = filters.map { condition($0, .row) }
            from = "(\(rows))"
        } else if filters.allSatisfy({ $0.dimensions.allSatisfy { !$0.isEventDimension } }) {
            conditions = filters.map { condition($0, .visit) }
            if comparing { conditions.append(current ? "cur" : "NOT cur") }
            let counted = everyone ? "uniqExact(v)" : "uniqExactIf(v, conv)"
            return "(SELECT \(counted) FROM (\(visits(visitProperties(filters, grouped: false), counts: [.visitors])))"
                + "\(Self.whereClause(conditions)))"
        } else {
            conditions = filters.map { condition($0, .row) }
            from = joined(visitProperties(filters, grouped: false))
        }
        if comparing { conditions.append(current ? "cur" : "NOT cur") }
        let counted = everyone ? "uniqExact(vid)" : "uniqExactIf(vid, \(converts))"
        return "(SELECT \(counted) FROM \(from)\(Self.whereClause(conditions)))"
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
        case .conversionRate:
            goalDimension ? "c_visitors" : "if(c_base_visitors = 0, 0, c_visitors / c_base_visitors)"
        }
    }
}
