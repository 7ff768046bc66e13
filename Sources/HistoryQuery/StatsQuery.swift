/// A query of the history, read and checked from a `POST /api/v2/query` body by
/// `StatsQueryParser`: every part is a closed enum, a bounded number or a value that reaches SQL
/// only as a literal (`SQLLiteral`).
public struct StatsQuery: Sendable {
    /// One `order_by` entry.
    public struct Order: Sendable, Equatable {
        public var key: QueryOrderKey
        public var ascending: Bool

        public init(key: QueryOrderKey, ascending: Bool) {
            self.key = key
            self.ascending = ascending
        }
    }

    public var site: String
    public var metrics: [QueryMetric]
    public var dateRange: QueryDateRange
    public var dimensions: [QueryDimension] = []
    /// All of them hold (the top-level list is an `and`).
    public var filters: [QueryFilter] = []
    public var orderBy: [Order] = []
    public var comparison: ComparisonMode?
    public var totalRows = false
    public var timeLabels = false
    public var limit = StatsQuery.defaultLimit
    public var offset = 0

    public static let defaultLimit = 10_000
    public static let maxLimit = 10_000
    public static let maxOffset = 1_000_000

    /// The goals the query is restricted to: the values of a top-level `is` filter on `event:goal`.
    public var goalFilter: [String]? {
        for filter in filters {
            if case .compare(.is, .goal, let names) = filter { return names }
        }
        return nil
    }

    /// The filters other than the goal filter.
    public var otherFilters: [QueryFilter] {
        filters.filter {
            if case .compare(.is, .goal, _) = $0 { return false }
            return true
        }
    }
}
