import AnalyticsCore

/// Reads a `POST /api/v2/query` body (Plausible's Stats API v2 shape) into a `StatsQuery`, or
/// says which field is wrong and what it allows. Every list, string and number is bounded here,
/// before anything reaches SQL.
public struct StatsQueryParser: Sendable {
    public let goals: [Goal]

    public init(goals: [Goal]) {
        self.goals = goals
    }

    public static let maxBodyBytes = 64 * 1024
    public static let maxDimensions = 3
    public static let maxFilterLeaves = 30
    public static let maxFilterDepth = 6
    public static let maxFilterValues = 100
    public static let maxValueBytes = 2048

    private static let topLevel: Set<String> = [
        "site_id", "metrics", "date_range", "dimensions", "filters", "order_by", "include", "pagination",
    ]

    public func parse(_ body: [UInt8]) throws(QueryError) -> StatsQuery {
        guard body.count <= Self.maxBodyBytes else {
            throw .invalid(field: "body", message: "the query is larger than \(Self.maxBodyBytes / 1024) KiB")
        }
        let root: JSONValue
        do {
            root = try JSONParser.parse(body)
        } catch {
            throw .invalid(field: "body", message: "not JSON: \(error.description)")
        }
        guard case .object(let members) = root else {
            throw .invalid(
                field: "body", message: "the query must be a JSON object with site_id, metrics and date_range")
        }
        if let unknown = members.keys.sorted().first(where: { !Self.topLevel.contains($0) }) {
            throw .invalid(
                field: String(unknown.prefix(64)),
                message: "not a query field; the fields are \(Self.topLevel.sorted().joined(separator: ", "))")
        }
        guard case .string(let rawSite)? = members["site_id"] else {
            throw .invalid(field: "site_id", message: "required: the site's name, as GET /api/sites lists them")
        }
        let site = rawSite.asciiLowercased
        guard SiteViews.showable(site) else {
            throw .invalid(field: "site_id", message: "a site's name is 1 to 253 printable characters, no spaces")
        }
        var query = StatsQuery(
            site: site, metrics: try metrics(members["metrics"]), dateRange: try dateRange(members["date_range"]))
        query.dimensions = try dimensions(members["dimensions"])
        if let filters = members["filters"] {
            guard case .array(let list) = filters else {
                throw .invalid(
                    field: "filters", message: "a list of filters such as [\"is\", \"visit:country\", [\"DE\"]]")
            }
            var leaves = 0
            query.filters = try list.map { value throws(QueryError) in try filter(value, depth: 1, leaves: &leaves) }
        }
        try include(members["include"], into: &query)
        try pagination(members["pagination"], into: &query)
        query.orderBy = try orderBy(members["order_by"], query: query)
        try check(query)
        return query
    }

    // MARK: - Parts

    private func metrics(_ value: JSONValue?) throws(QueryError) -> [QueryMetric] {
        let allowed = QueryMetric.allCases.map(\.rawValue).joined(separator: ", ")
        guard case .array(let list)? = value, !list.isEmpty, list.count <= QueryMetric.allCases.count else {
            throw .invalid(field: "metrics", message: "required: a non-empty list of metrics from \(allowed)")
        }
        var metrics: [QueryMetric] = []
        for item in list {
            guard case .string(let name) = item, let metric = QueryMetric(rawValue: name) else {
                throw .invalid(
                    field: "metrics", message: "\(Self.shown(item)) is not a metric; the metrics are \(allowed)")
            }
            guard !metrics.contains(metric) else {
                throw .invalid(field: "metrics", message: "\(name) is listed twice")
            }
            metrics.append(metric)
        }
        return metrics
    }

    private func dateRange(_ value: JSONValue?) throws(QueryError) -> QueryDateRange {
        let allowed =
            QueryDateRange.names.map(\.0).joined(separator: ", ") + ", or [\"YYYY-MM-DD\", \"YYYY-MM-DD\"] (inclusive)"
        switch value {
        case .string(let name)?:
            guard let range = QueryDateRange.names.first(where: { $0.0 == name })?.1 else {
                throw .invalid(field: "date_range", message: "\(Self.shown(.string(name))) is not one of \(allowed)")
            }
            return range
        case .array(let pair)? where pair.count == 2:
            guard case .string(let a) = pair[0], case .string(let b) = pair[1],
                let first = LocalDate(a), let last = LocalDate(b)
            else {
                throw .invalid(
                    field: "date_range", message: "dates must be YYYY-MM-DD from 1970-01-02 to 2105-12-31; \(allowed)")
            }
            guard first <= last else {
                throw .invalid(field: "date_range", message: "the first date \(first) is after the last \(last)")
            }
            return .custom(first: first, last: last)
        default:
            throw .invalid(field: "date_range", message: "required: \(allowed)")
        }
    }

    private func dimension(_ value: JSONValue, field: String) throws(QueryError) -> QueryDimension {
        guard case .string(let name) = value, let dimension = QueryDimension(rawValue: name) else {
            throw .invalid(
                field: field,
                message: "\(Self.shown(value)) is not a dimension; the dimensions are "
                    + QueryDimension.allCases.map(\.rawValue).joined(separator: ", "))
        }
        return dimension
    }

    private func dimensions(_ value: JSONValue?) throws(QueryError) -> [QueryDimension] {
        guard let value else { return [] }
        guard case .array(let list) = value, list.count <= Self.maxDimensions else {
            throw .invalid(field: "dimensions", message: "a list of at most \(Self.maxDimensions) dimensions")
        }
        var dimensions: [QueryDimension] = []
        for item in list {
            let dimension = try dimension(item, field: "dimensions")
            guard !dimensions.contains(dimension) else {
                throw .invalid(field: "dimensions", message: "\(dimension.rawValue) is listed twice")
            }
            if dimension.isTime, dimensions.contains(where: \.isTime) {
                throw .invalid(field: "dimensions", message: "at most one time dimension")
            }
            dimensions.append(dimension)
        }
        return dimensions
    }

    private func filter(_ value: JSONValue, depth: Int, leaves: inout Int) throws(QueryError) -> QueryFilter {
        let shape =
            "a filter is [operator, dimension, [values]] with is, is_not, contains or contains_not, "
            + "or [\"and\"|\"or\", [filters]], or [\"not\", filter]"
        guard depth <= Self.maxFilterDepth else {
            throw .invalid(field: "filters", message: "filters nest at most \(Self.maxFilterDepth) deep")
        }
        guard case .array(let parts) = value, let head = parts.first, case .string(let op) = head else {
            throw .invalid(field: "filters", message: shape)
        }
        switch op {
        case "and", "or":
            guard parts.count == 2, case .array(let list) = parts[1], !list.isEmpty else {
                throw .invalid(field: "filters", message: "\(op) takes a non-empty list of filters: [\"\(op)\", [...]]")
            }
            var inner: [QueryFilter] = []
            for item in list { inner.append(try filter(item, depth: depth + 1, leaves: &leaves)) }
            return op == "and" ? .and(inner) : .or(inner)
        case "not":
            guard parts.count == 2 else {
                throw .invalid(field: "filters", message: "not takes one filter: [\"not\", [...]]")
            }
            return .not(try filter(parts[1], depth: depth + 1, leaves: &leaves))
        default:
            guard let comparison = FilterOperator(rawValue: op) else {
                throw .invalid(field: "filters", message: "\(Self.shown(head)) is not an operator; \(shape)")
            }
            guard parts.count == 3 || (parts.count == 4 && Self.isModifiers(parts[3])) else {
                throw .invalid(field: "filters", message: shape)
            }
            let dimension = try dimension(parts[1], field: "filters")
            guard !dimension.isTime else {
                throw .invalid(field: "filters", message: "time dimensions cannot be filtered on; use date_range")
            }
            guard case .array(let list) = parts[2], !list.isEmpty, list.count <= Self.maxFilterValues else {
                throw .invalid(
                    field: "filters",
                    message: "\(op) \(dimension.rawValue) takes a list of 1 to \(Self.maxFilterValues) strings")
            }
            var values: [String] = []
            for item in list {
                guard case .string(let text) = item, text.utf8.count <= Self.maxValueBytes else {
                    throw .invalid(
                        field: "filters",
                        message:
                            "filter values are strings of at most \(Self.maxValueBytes) bytes (\(dimension.rawValue))")
                }
                values.append(text)
            }
            leaves += 1
            guard leaves <= Self.maxFilterLeaves else {
                throw .invalid(field: "filters", message: "at most \(Self.maxFilterLeaves) comparisons in all")
            }
            if dimension == .goal {
                guard depth == 1, comparison == .is else {
                    throw .invalid(
                        field: "filters", message: "event:goal is filtered with is, at the top level of filters only")
                }
                if let unknown = values.first(where: { name in !goals.contains { $0.name == name } }) {
                    throw .invalid(
                        field: "filters",
                        message: "\(Self.shown(.string(unknown))) is not a goal; the goals (GOALS) are "
                            + (goals.isEmpty ? "none" : goals.map(\.name).joined(separator: ", ")))
                }
            }
            return .compare(comparison, dimension, values)
        }
    }

    /// Plausible's `{"case_sensitive": …}` modifiers: accepted when they ask for what we do.
    private static func isModifiers(_ value: JSONValue) -> Bool {
        guard case .object(let members) = value else { return false }
        return members.allSatisfy { $0.key == "case_sensitive" && $0.value == .bool(true) }
    }

    private func include(_ value: JSONValue?, into query: inout StatsQuery) throws(QueryError) {
        guard let value else { return }
        guard case .object(let members) = value else {
            throw .invalid(field: "include", message: "an object with comparisons, total_rows or time_labels")
        }
        for (key, member) in members {
            switch (key, member) {
            case ("total_rows", .bool(let flag)): query.totalRows = flag
            case ("time_labels", .bool(let flag)): query.timeLabels = flag
            case ("imports", .bool): break  // Nothing is imported apart: every event is in one table.
            case ("comparisons", .null): query.comparison = nil
            case ("comparisons", .object(let comparison)):
                guard case .string(let mode)? = comparison["mode"], let parsed = ComparisonMode(rawValue: mode),
                    comparison.count == 1
                else {
                    throw .invalid(
                        field: "include.comparisons",
                        message: "{\"mode\": \"previous_period\"} or {\"mode\": \"year_over_year\"}")
                }
                query.comparison = parsed
            default:
                throw .invalid(
                    field: "include." + String(key.prefix(64)),
                    message:
                        "include takes comparisons ({\"mode\": …}), total_rows, time_labels and imports (true or false)"
                )
            }
        }
    }

    private func pagination(_ value: JSONValue?, into query: inout StatsQuery) throws(QueryError) {
        guard let value else { return }
        guard case .object(let members) = value, members.keys.allSatisfy({ $0 == "limit" || $0 == "offset" }) else {
            throw .invalid(field: "pagination", message: "an object with limit (1 to 10000) and offset (0 to 1000000)")
        }
        if let limit = members["limit"] {
            guard case .integer(let number) = limit, (1...Int64(StatsQuery.maxLimit)).contains(number) else {
                throw .invalid(field: "pagination.limit", message: "a whole number from 1 to \(StatsQuery.maxLimit)")
            }
            query.limit = Int(number)
        }
        if let offset = members["offset"] {
            guard case .integer(let number) = offset, (0...Int64(StatsQuery.maxOffset)).contains(number) else {
                throw .invalid(field: "pagination.offset", message: "a whole number from 0 to \(StatsQuery.maxOffset)")
            }
            query.offset = Int(number)
        }
    }

    private func orderBy(_ value: JSONValue?, query: StatsQuery) throws(QueryError) -> [StatsQuery.Order] {
        guard let value else { return [] }
        guard case .array(let list) = value, list.count <= query.metrics.count + query.dimensions.count else {
            throw .invalid(field: "order_by", message: "a list of [metric or dimension, \"asc\" | \"desc\"] pairs")
        }
        var orders: [StatsQuery.Order] = []
        for item in list {
            guard case .array(let pair) = item, pair.count == 2, case .string(let name) = pair[0],
                case .string(let direction) = pair[1], direction == "asc" || direction == "desc"
            else {
                throw .invalid(field: "order_by", message: "each entry is [metric or dimension, \"asc\" | \"desc\"]")
            }
            let key: QueryOrderKey
            if let metric = QueryMetric(rawValue: name), query.metrics.contains(metric) {
                key = .metric(metric)
            } else if let dimension = QueryDimension(rawValue: name), query.dimensions.contains(dimension) {
                key = .dimension(dimension)
            } else {
                throw .invalid(
                    field: "order_by",
                    message: "\(Self.shown(pair[0])) is not one of the query's metrics or dimensions")
            }
            orders.append(StatsQuery.Order(key: key, ascending: direction == "asc"))
        }
        return orders
    }

    /// The rules across fields, worded as Plausible words them where it has them.
    private func check(_ query: StatsQuery) throws(QueryError) {
        let sessionMetrics = query.metrics.filter(\.isSessionMetric)
        if !sessionMetrics.isEmpty, let event = query.dimensions.first(where: \.isEventDimension) {
            throw .invalid(
                field: "metrics",
                message: "Session metric(s) \(sessionMetrics.map { "`\($0.rawValue)`" }.joined(separator: ", ")) "
                    + "cannot be queried along with event dimensions (\(event.rawValue)): a visit has many pages and events"
            )
        }
        if query.metrics.contains(.conversionRate), query.goalFilter == nil, !query.dimensions.contains(.goal) {
            throw .invalid(
                field: "metrics",
                message: "Metric `conversion_rate` can only be queried with event:goal filters or dimensions")
        }
        if query.dimensions.contains(.goal), goals.isEmpty {
            throw .invalid(field: "dimensions", message: "event:goal needs goals: set GOALS (docs/configuration.md)")
        }
        if query.comparison != nil, query.dateRange == .all {
            throw .invalid(field: "include.comparisons", message: "the date_range all has no period before it")
        }
        let goalFilters = query.filters.filter { if case .compare(_, .goal, _) = $0 { true } else { false } }
        if goalFilters.count > 1 {
            throw .invalid(field: "filters", message: "one event:goal filter at most; list several goals in its values")
        }
        if query.dimensions.contains(.goal), query.goalFilter != nil {
            throw .invalid(field: "filters", message: "filter on event:goal or group by it, not both")
        }
    }

    /// A value as the sender wrote it, short, for an error message.
    private static func shown(_ value: JSONValue) -> String {
        var writer = JSONWriter(capacity: 64)
        writer.value(value)
        let text = String(decoding: writer.bytes, as: UTF8.self)
        return text.utf8.count > 80 ? String(text.prefix(77)) + "…" : text
    }
}
