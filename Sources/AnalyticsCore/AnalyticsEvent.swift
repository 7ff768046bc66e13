import Foundation

/// An event as it travels on the Kafka topic: validated, enriched and stamped by the producer.
///
/// It is the schema contract between producer and consumer (design §4, `schema-version: 1`);
/// `EventCodec` writes and reads it with the original project's JSON field names.
public struct AnalyticsEvent: Sendable, Equatable {
    /// Server-assigned or client-supplied UUID (lowercase), used to count retries once.
    public var id: String
    public var type: String
    public var userID: String?
    public var sessionID: String?
    public var url: String?
    public var path: String?
    public var referrer: String?
    public var userAgent: String?
    public var ipAddress: String?
    public var metadata: [String: JSONValue]?
    /// When the producer received the event (UTC, RFC 3339 with milliseconds). Statistics use it.
    public var timestamp: String
    /// The `timestamp` the client sent, if any, kept verbatim.
    public var clientTimestamp: String?
    /// The cookieless visitor id the producer gave an event without `user_id` (`VisitorSalt`).
    public var visitorID: String?
    /// Whether the user agent is a bot or a headless browser (`BotUserAgents`): written as
    /// `"bot":true`, absent for people.
    public var isBot: Bool
    /// The website the event belongs to (`SiteName.resolve`); nil on records from before sites.
    public var site: String?
    /// The visitor's country (ISO 3166-1 alpha-2), looked up from the client's address; nil when
    /// unknown.
    public var country: String?

    /// The current schema version, written to the `schema-version` record header.
    public static let schemaVersion = "1"

    public init(
        id: String, type: String, userID: String? = nil, sessionID: String? = nil, url: String? = nil,
        path: String? = nil, referrer: String? = nil, userAgent: String? = nil, ipAddress: String? = nil,
        metadata: [String: JSONValue]? = nil, timestamp: String, clientTimestamp: String? = nil,
        visitorID: String? = nil, isBot: Bool = false, site: String? = nil, country: String? = nil
    ) {
        self.id = id
        self.type = type
        self.userID = userID
        self.sessionID = sessionID
        self.url = url
        self.path = path
        self.referrer = referrer
        self.userAgent = userAgent
        self.ipAddress = ipAddress
        self.metadata = metadata
        self.timestamp = timestamp
        self.clientTimestamp = clientTimestamp
        self.visitorID = visitorID
        self.isBot = isBot
        self.site = site
        self.country = country
    }

    /// The server timestamp as a `Date`, or nil when the record carries a malformed one.
    public var receivedAt: Date? { RFC3339.parse(timestamp) }
}
