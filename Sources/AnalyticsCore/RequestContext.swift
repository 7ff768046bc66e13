/// What the producer knows about the HTTP request that carried an event: enrichment fills gaps
/// from it, and AnalyticsCore stays free of any HTTP type.
public struct RequestContext: Sendable, Equatable {
    /// The client's IP address (`ClientAddressResolver`: behind a trusted proxy, the address it
    /// vouches for), used when the event has no `ip_address`.
    public var clientAddress: String?
    /// The `User-Agent` header, the visitor's when the event has no `user_agent` and the header
    /// is not an HTTP library's (`VisitorAgent`).
    public var userAgent: String?
    /// The `Origin` header: the site of an event with neither `site` nor `url`.
    public var origin: String?

    public init(clientAddress: String? = nil, userAgent: String? = nil, origin: String? = nil) {
        self.clientAddress = clientAddress
        self.userAgent = userAgent
        self.origin = origin
    }
}
