/// A figure a query may ask for. Like every name of a query (dimensions, operators), a closed enum
/// whose SQL comes from the code (`QuerySQL`), never from the request; the raw values are the
/// names of Plausible's Stats API v2, so clients written for it work.
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
