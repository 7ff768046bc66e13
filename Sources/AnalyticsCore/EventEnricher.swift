import Foundation

/// What the producer knows about the HTTP request that carried an event.
public struct RequestContext: Sendable, Equatable {
    /// The peer's IP address, used when the event has no `ip_address`.
    public var remoteAddress: String?
    /// The `User-Agent` header, used when the event has no `user_agent`.
    public var userAgent: String?

    public init(remoteAddress: String? = nil, userAgent: String? = nil) {
        self.remoteAddress = remoteAddress
        self.userAgent = userAgent
    }
}

/// Turns a validated event into the record the topic carries: id, server timestamp, derived path,
/// and request facts the browser did not send.
///
/// It receives the clock reading and the id rather than reading them itself, so it stays pure and
/// its output is testable byte for byte.
public struct EventEnricher: Sendable {
    public init() {}

    public func enrich(
        _ event: ValidatedEvent, context: RequestContext, receivedAt: Date, generatedID: @autoclosure () -> String
    ) -> AnalyticsEvent {
        AnalyticsEvent(
            id: event.id ?? generatedID(),
            type: event.type,
            userID: event.userID,
            sessionID: event.sessionID,
            url: event.url,
            path: event.path ?? event.url.flatMap(Self.path(of:)),
            referrer: event.referrer,
            userAgent: event.userAgent ?? context.userAgent.map { String($0.prefix(512)) },
            ipAddress: event.ipAddress ?? context.remoteAddress,
            metadata: event.metadata,
            timestamp: RFC3339.formatWithMilliseconds(receivedAt),
            clientTimestamp: event.clientTimestamp
        )
    }

    /// The path of an absolute URL (`/` when it has none), without query or fragment.
    public static func path(of url: String) -> String? {
        WebURL.path(of: url)
    }
}
