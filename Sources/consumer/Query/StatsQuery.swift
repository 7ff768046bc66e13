/// A query of the history, read and checked from a `POST /api/v2/query` body by
/// `StatsQueryParser`: every part is a closed enum, a bounded number or a value that reaches SQL
/// only as a literal (`SQLLiteral`).
struct StatsQuery: Sendable {
    struct Order: Sendable, Equatable {
        var key: QueryOrderKey
        var ascending: Bool
    }

    var site: String
    var metrics: [QueryMetric]
    var dateRange: QueryDateRange
    var dimensions: [QueryDimension] = []
    /// All of them hold (the top-level list is an `and`).
    var filters: [QueryFilter] = []
    var orderBy: [Order] = []
    var comparison: ComparisonMode?
    var totalRows = false
    var timeLabels = false
    var limit = StatsQuery.defaultLimit
    var offset = 0

    static let defaultLimit = 10_000
    static let maxLimit = 10_000
    static let maxOffset = 1_000_000

    /// The goals the query is restricted to: the values of a top-level `is` filter on `event:goal`.
    var goalFilter: [String]? {
        for filter in filters {
            if case .compare(.is, .goal, let names) = filter { return names }
        }
        return nil
    }

    /// The filters other than the goal filter.
    var otherFilters: [QueryFilter] {
        filters.filter {
            if case .compare(.is, .goal, _) = $0 { return false }
            return true
        }
    }
}
