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
