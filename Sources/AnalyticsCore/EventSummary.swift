import Foundation

/// What the statistics read of one event (`AnalyticsAggregator.apply`): the strings they keep or
/// look up, hashes of the ones they only compare or count, and the parsed server time.
///
/// It exists for the consumer's hot path: `EventCodec.decodeSummary` fills it straight from a
/// record, so an event's id, timestamps, IP address and user or visitor id never become strings
/// that are made on one thread and freed on another.
public struct EventSummary: Sendable, Equatable {
    /// `HyperLogLog.hash` of the event id, for the deduplication windows (`RecentIDs`).
    public var idHash: UInt64
    public var type: String
    public var isBot: Bool
    /// The visitor the sketches count, hashed: the user id, else the cookieless visitor id, else
    /// the session id (`AnalyticsAggregator.visitorHash`); nil when the event has none of them.
    public var visitorHash: UInt64?
    public var sessionID: String?
    public var url: String?
    public var path: String?
    public var referrer: String?
    public var userAgent: String?
    /// The server `timestamp`, parsed.
    public var receivedAt: Date
    /// `metadata.load_time`, when it is a number.
    public var loadTime: Double?
    /// The website the event belongs to; nil on records from before sites.
    public var site: String?
    /// The visitor's country, when the record carries a valid code.
    public var country: CountryCode?

    /// The summary of a whole event. `receivedAt` and `loadTime`, when given, stand for the
    /// event's own (an unparsable server timestamp counts as 1970).
    public init(_ event: AnalyticsEvent, receivedAt: Date? = nil, loadTime: Double? = nil) {
        self.init(
            idHash: HyperLogLog.hash(event.id), type: event.type, isBot: event.isBot,
            visitorHash: AnalyticsAggregator.visitorHash(of: event), sessionID: event.sessionID, url: event.url,
            path: event.path, referrer: event.referrer, userAgent: event.userAgent,
            receivedAt: receivedAt ?? event.receivedAt ?? Date(timeIntervalSince1970: 0),
            loadTime: loadTime ?? event.metadata?["load_time"]?.doubleValue, site: event.site,
            country: event.country.flatMap { CountryCode($0) })
    }

    init(
        idHash: UInt64, type: String, isBot: Bool, visitorHash: UInt64?, sessionID: String?, url: String?,
        path: String?, referrer: String?, userAgent: String?, receivedAt: Date, loadTime: Double?,
        site: String? = nil, country: CountryCode? = nil
    ) {
        self.idHash = idHash
        self.type = type
        self.isBot = isBot
        self.visitorHash = visitorHash
        self.sessionID = sessionID
        self.url = url
        self.path = path
        self.referrer = referrer
        self.userAgent = userAgent
        self.receivedAt = receivedAt
        self.loadTime = loadTime
        self.site = site
        self.country = country
    }
}
