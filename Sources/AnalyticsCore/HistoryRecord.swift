import Foundation

/// One event as the history keeps it: a row of the `events` table in ClickHouse.
///
/// It exists so the history and the live view read an event the same way: the visitor is the
/// live view's visitor (user id, else the cookieless visitor id, else the session), the source
/// the campaign's, else the referrer's host (`TrafficSource`), and the device, browser and
/// operating system come from the same classifier. Strings the event does not carry are empty,
/// as ClickHouse columns without `Nullable` keep them.
public struct HistoryRecord: Sendable, Equatable {
    public var id: String
    public var site: String
    /// The event's server time (`timestamp`, or the past time of an import), seconds since 1970.
    public var timestamp: Int
    public var type: String
    /// `HyperLogLog.hash` of the visitor; 0 when the event names none.
    public var visitor: UInt64
    /// `HyperLogLog.hash` of the session id. An event with neither a session nor a visitor gets
    /// the hash of its own id (`e:`), so that queries read it as a visit of its own: a visit is
    /// `session`, else `visitor`. 0 when the event has no session but has a visitor.
    public var session: UInt64
    public var path: String
    public var hostname: String
    public var referrer: String
    public var source: String
    public var utmSource: String
    public var utmMedium: String
    public var utmCampaign: String
    /// ISO 3166-1 alpha-2, or empty when unknown.
    public var country: String
    public var device: String
    public var browser: String
    public var operatingSystem: String
    /// `metadata.load_time` in milliseconds, when it is a number in `EventLimits`' range.
    public var loadTimeMilliseconds: Double?
    public var isBot: Bool

    /// Makes the rows of a stream of events, remembering the classification of recent user agents
    /// (`UserAgentCache`) as the live view does.
    public struct Builder: Sendable {
        public let defaultSite: String
        private var agents = UserAgentCache()

        /// `defaultSite`: the site of an event that names none (the producers' `DEFAULT_SITE`).
        public init(defaultSite: String) {
            self.defaultSite = defaultSite
        }

        /// The row of `event`, whose server time `receivedAt` the codec has already parsed.
        public mutating func record(_ event: AnalyticsEvent, receivedAt: Date) -> HistoryRecord {
            HistoryRecord(
                event, receivedAt: receivedAt, defaultSite: defaultSite, agent: agents.classify(event.userAgent))
        }
    }

    init(_ event: AnalyticsEvent, receivedAt: Date, defaultSite: String, agent: UserAgentCache.Classification) {
        id = event.id
        site = event.site ?? defaultSite
        timestamp = Int(receivedAt.timeIntervalSince1970.rounded(.down))
        type = event.type
        visitor = AnalyticsAggregator.visitorHash(of: event) ?? 0
        session = event.sessionID.flatMap { $0.isEmpty ? nil : HyperLogLog.hash($0, prefixedBy: "s:") } ?? 0
        if visitor == 0 && session == 0 { session = HyperLogLog.hash(event.id, prefixedBy: "e:") }
        path = event.path ?? event.url.flatMap(EventEnricher.path(of:)) ?? (event.type == "page_view" ? "/" : "")
        hostname = event.url.flatMap(WebURL.host(of:))?.lowercased() ?? ""
        referrer = event.referrer ?? ""
        let campaign = Campaign(url: event.url)
        source = campaign?.source ?? TrafficSource.name(forReferrer: event.referrer)
        utmSource = campaign?.source ?? ""
        utmMedium = campaign?.medium ?? ""
        utmCampaign = campaign?.name ?? ""
        country = event.country.flatMap { CountryCode($0)?.description } ?? ""
        device = agent.device
        browser = agent.browser
        operatingSystem = agent.operatingSystem
        loadTimeMilliseconds = event.metadata?["load_time"]?.doubleValue.flatMap {
            EventLimits().loadTimeMilliseconds.contains($0) ? $0 : nil
        }
        isBot = event.isBot
    }
}
