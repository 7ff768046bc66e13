import Foundation

/// Turns a validated event into the record the topic carries: id, server timestamp, derived path,
/// request facts the browser did not send, the visitor's user agent and the bot mark
/// (`VisitorAgent`), the cookieless visitor id, the IP address as `IP_POLICY` allows, and `url`
/// and `referrer` without fragments or the query parameters analytics does not read
/// (`URLRedactor`), and a `path` it was given without query or fragment; its site (`SiteName`) and
/// its visitor's country (`CountryLocator`, from the address before `IP_POLICY` touches it). Every
/// way an event arrives passes here, so nothing else redacts them.
///
/// It receives the clock reading, the id and the day's salt rather than finding them itself, so it
/// stays pure and its output is testable byte for byte.
public struct EventEnricher: Sendable {
    public let ipPolicy: IPPolicy
    public let urlRedactor: URLRedactor
    /// The site of an event that names none and has neither `url` nor `Origin` (`DEFAULT_SITE`).
    public let defaultSite: String
    /// Country data; nil records no countries.
    public let countries: (any CountryLocator)?

    public init(
        ipPolicy: IPPolicy = .anonymize, urlRedactor: URLRedactor = URLRedactor(), defaultSite: String = "default",
        countries: (any CountryLocator)? = nil
    ) {
        self.ipPolicy = ipPolicy
        self.urlRedactor = urlRedactor
        self.defaultSite = defaultSite
        self.countries = countries
    }

    /// The site `event`, carried by a request with `context`, belongs to.
    public func site(of event: ValidatedEvent, context: RequestContext) -> String {
        SiteName.resolve(site: event.site, url: event.url, origin: context.origin, fallback: defaultSite)
    }

    /// Whether `event` needs the day's salt: it has no `user_id` to count its visitor by.
    public static func needsVisitorID(_ event: ValidatedEvent) -> Bool {
        event.userID?.isEmpty ?? true
    }

    /// The record for `event`. `salt` is the salt of the day of `receivedAt`; without one an event
    /// that `needsVisitorID` gets none. `site` is the event's site when the caller resolved it
    /// already (`site(of:context:)`, to check it against `SITES`).
    public func enrich(
        _ event: ValidatedEvent, context: RequestContext, receivedAt: Date, generatedID: @autoclosure () -> String,
        salt: VisitorSalt? = nil, site resolved: String? = nil
    ) -> EnrichedEvent {
        let agent = VisitorAgent(body: event.userAgent, header: context.userAgent)
        let address = event.ipAddress ?? context.clientAddress
        // Parsed once, for the country and for the address policy.
        let parsedAddress = address.flatMap(IPAddress.init)
        let site = resolved ?? site(of: event, context: context)
        var visitorID: String?
        if let salt, Self.needsVisitorID(event) {
            visitorID = salt.visitorID(
                siteHost: site, clientAddress: address ?? "",
                userAgent: agent.userAgent ?? "")
        }
        let record = AnalyticsEvent(
            id: event.id ?? generatedID(),
            type: event.type,
            userID: event.userID,
            sessionID: event.sessionID,
            url: event.url.map { urlRedactor.redact($0) },
            path: event.path.map { urlRedactor.redact(path: $0) } ?? event.url.flatMap(Self.path(of:)),
            referrer: event.referrer.map { urlRedactor.redact($0) },
            userAgent: agent.userAgent,
            ipAddress: ipPolicy.apply(to: address, parsed: parsedAddress),
            metadata: event.metadata,
            timestamp: RFC3339.formatWithMilliseconds(receivedAt),
            clientTimestamp: event.clientTimestamp,
            visitorID: visitorID,
            isBot: agent.isBot,
            site: site,
            country: countries.flatMap { locator in parsedAddress.flatMap(locator.country(of:)) }?.description
        )
        return EnrichedEvent(record: record, classification: agent.classification)
    }

    /// The path of an absolute URL (`/` when it has none), without query or fragment.
    public static func path(of url: String) -> String? {
        WebURL.path(of: url)
    }
}
