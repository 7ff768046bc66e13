import Foundation

/// One row of `GET /api/sites` and of the printed summary's *Sites* section: what an operator
/// looking after many websites needs to see at a glance, taken from the site's own snapshot.
public struct SiteSummary: Sendable, Equatable, Codable {
    public var site: String
    /// Distinct visitors since the start (the site's `unique_users`).
    public var visitors: Int
    /// `page_view` events since the start.
    public var pageviews: Int
    /// Distinct visitors in the last 5 minutes.
    public var currentVisitors: Int
    /// Events in each of the last 60 minutes, by the minute's start (UTC): the overview's sparkline.
    public var eventsPerMinute: [String: Int]

    public init(site: String, snapshot: StatsSnapshot) {
        self.site = site
        visitors = snapshot.uniqueUsers
        pageviews = snapshot.eventsByType["page_view"] ?? 0
        currentVisitors = snapshot.currentVisitors
        eventsPerMinute = snapshot.eventsPerMinute
    }

    /// Most visitors first, then most page views, then by name: the same order every time.
    public static func ranksAbove(_ left: SiteSummary, _ right: SiteSummary) -> Bool {
        if left.visitors != right.visitors { return left.visitors > right.visitors }
        if left.pageviews != right.pageviews { return left.pageviews > right.pageviews }
        return left.site < right.site
    }

    enum CodingKeys: String, CodingKey {
        case site, visitors, pageviews
        case currentVisitors = "current_visitors"
        case eventsPerMinute = "events_per_minute"
    }
}
