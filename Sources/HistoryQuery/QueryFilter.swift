/// A filter of a query: a comparison, or `and`/`or`/`not` of filters.
public indirect enum QueryFilter: Sendable, Equatable {
    case compare(FilterOperator, QueryDimension, [String])
    case and([QueryFilter])
    case or([QueryFilter])
    case not(QueryFilter)

    /// Every dimension the filter reads.
    public var dimensions: [QueryDimension] {
        switch self {
        case .compare(_, let dimension, _): [dimension]
        case .and(let filters), .or(let filters): filters.flatMap(\.dimensions)
        case .not(let filter): filter.dimensions
        }
    }
}
