/// An event that passed every rule of `EventValidator`, before the server enriches it.
///
/// Keeping it apart from `AnalyticsEvent` makes it impossible to publish an event that skipped
/// validation or enrichment.
public struct ValidatedEvent: Sendable, Equatable {
    public var id: String?
    public var type: String
    public var userID: String?
    public var sessionID: String?
    public var url: String?
    public var path: String?
    public var referrer: String?
    public var userAgent: String?
    public var ipAddress: String?
    public var metadata: [String: JSONValue]?
    public var clientTimestamp: String?
    /// The `site` the sender named (`SiteName.normalized`), if any.
    public var site: String?

    public init(type: String) {
        self.type = type
    }
}
