/// What a query may ask for: metrics, dimensions and filter operators, each a closed enum whose
/// SQL comes from the code (`QuerySQL`), never from the request. The raw values are the names of
/// Plausible's Stats API v2, so clients written for it work.
public enum QueryMetric: String, CaseIterable, Sendable {
    case visitors, visits, pageviews, events
    case viewsPerVisit = "views_per_visit"
    case bounceRate = "bounce_rate"
    case visitDuration = "visit_duration"
    case percentage
    case conversionRate = "conversion_rate"

    /// Metrics of whole visits: refused with event dimensions, as Plausible refuses them.
    public var isSessionMetric: Bool {
        switch self {
        case .visits, .viewsPerVisit, .bounceRate, .visitDuration: true
        default: false
        }
    }
}

/// A property results are grouped by, or filtered on.
public enum QueryDimension: String, CaseIterable, Sendable {
    case page = "event:page"
    case name = "event:name"
    case hostname = "event:hostname"
    case goal = "event:goal"
    case source = "visit:source"
    case referrer = "visit:referrer"
    case utmSource = "visit:utm_source"
    case utmMedium = "visit:utm_medium"
    case utmCampaign = "visit:utm_campaign"
    case country = "visit:country"
    case device = "visit:device"
    case browser = "visit:browser"
    case operatingSystem = "visit:os"
    case entryPage = "visit:entry_page"
    case exitPage = "visit:exit_page"
    case time = "time"
    case hour = "time:hour"
    case day = "time:day"
    case week = "time:week"
    case month = "time:month"

    /// A property of each event (the rest are of the visit, or of time).
    public var isEventDimension: Bool {
        switch self {
        case .page, .name, .hostname, .goal: true
        default: false
        }
    }

    public var isTime: Bool {
        switch self {
        case .time, .hour, .day, .week, .month: true
        default: false
        }
    }

    /// A property of the visit taken from its first event (or its first and last page): reading
    /// it needs the visit's events grouped.
    public var needsVisit: Bool {
        switch self {
        case .source, .referrer, .utmSource, .utmMedium, .utmCampaign, .entryPage, .exitPage: true
        default: false
        }
    }
}

/// How a filter compares a dimension with its values.
public enum FilterOperator: String, CaseIterable, Sendable {
    case `is`
    case isNot = "is_not"
    case contains
    case containsNot = "contains_not"

    public var isNegated: Bool { self == .isNot || self == .containsNot }
}

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

/// The other period a query's results are compared with.
public enum ComparisonMode: String, Sendable {
    case previousPeriod = "previous_period"
    case yearOverYear = "year_over_year"
}

/// What `order_by` sorts on: a metric or a dimension of the query.
public enum QueryOrderKey: Sendable, Equatable {
    case metric(QueryMetric)
    case dimension(QueryDimension)
}
