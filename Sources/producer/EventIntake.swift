import AnalyticsCore
import Foundation
import HTTPServer
import Metrics
import ServiceRuntime

/// A request (or one event of a batch) refused before publishing: the answer's status, message
/// and field, and the `events_rejected_total` reason.
struct IntakeRefusal: Error {
    let status: HTTPStatus
    let message: String
    var field: String?
    var headers = HTTPHeaders()
    let reason: String

    var response: HTTPResponse { .error(status, message, field: field, headers: headers) }

    init(
        _ status: HTTPStatus, _ message: String, field: String? = nil, headers: HTTPHeaders = HTTPHeaders(),
        reason: String
    ) {
        self.status = status
        self.message = message
        self.field = field
        self.headers = headers
        self.reason = reason
    }

    init(_ error: EventValidationError) {
        self.init(.badRequest, error.description, field: error.field, reason: error.reason)
    }
}

/// The steps every ingestion route takes between the request and the topic, in one place so
/// `POST /event`, `POST /events` and `GET /pixel.gif` cannot drift apart: the client's address
/// (trusted proxies), the rate limit, the body's content coding, the allowed hosts, the day's
/// visitor salt and enrichment (IP policy, visitor id, whose user agent it is and the bot mark).
struct EventIntake: Sendable {
    let validator: EventValidator
    let enricher: EventEnricher
    let resolver: ClientAddressResolver
    let rateLimiter: ClientRateLimiter?
    let allowedHosts: HostAllowList
    /// nil when visitor ids are not made (tests of the parts, never the producer itself).
    let salts: VisitorSalts?
    let ids = EventIDSource()
    let maxBodyBytes: Int
    /// Who may give events a past time (`IMPORT_TOKEN`).
    var imports = ImportPolicy(token: nil, maxAgeDays: 3650)

    /// The client's address: the peer, or behind a trusted proxy the address it vouches for.
    func clientAddress(of request: HTTPRequest) -> String {
        resolver.clientAddress(
            peer: request.remoteAddress, headerValue: request.headers.combined(resolver.header.name))
    }

    /// Takes `cost` events from the client's rate limit; 429 with `Retry-After` over it.
    func admit(_ client: String, cost: Int) throws(IntakeRefusal) {
        guard let rateLimiter, let address = IPAddress(client) else { return }
        let now = Double(DispatchTime.now().uptimeNanoseconds) / 1e9
        if case .limited(let seconds) = rateLimiter.admit(address, cost: cost, now: now) {
            throw IntakeRefusal(
                .tooManyRequests,
                "too many events from your address: at most \(Int(rateLimiter.ratePerSecond)) per second "
                    + "(bursts of \(Int(rateLimiter.burst))); retry after \(seconds) s",
                headers: HTTPHeaders([("Retry-After", String(seconds))]), reason: "rate_limited")
        }
    }

    /// The body with its `Content-Encoding` undone, held to `MAX_BODY_BYTES` decompressed.
    func body(of request: HTTPRequest) throws(IntakeRefusal) -> [UInt8] {
        // Most bodies are not compressed, and the server already held them to the limit.
        guard let header = request.headers.combined("Content-Encoding") else { return request.body }
        guard let coding = ContentCoding(header: header) else {
            throw Self.unsupportedEncodingError(header)
        }
        do {
            return try ContentDecoder.decode(request.body, coding: coding, limit: maxBodyBytes)
        } catch {
            switch error {
            case .tooLarge(let limit):
                throw IntakeRefusal(
                    .contentTooLarge, "the decompressed body is larger than \(limit) bytes", reason: "body_too_large")
            case .corrupt(let detail):
                throw IntakeRefusal(
                    .badRequest, "the body is not valid \(coding == .gzip ? "gzip" : "deflate") data (\(detail))",
                    reason: "bad_compression")
            }
        }
    }

    /// 415 unless the `Content-Encoding` is one the producer can undo (gzip, deflate, identity).
    static func unsupportedEncoding(_ head: HTTPRequestHead) -> HTTPResponse? {
        let header = head.headers.combined("Content-Encoding")
        return ContentCoding(header: header) == nil ? unsupportedEncodingError(header).response : nil
    }

    private static func unsupportedEncodingError(_ header: String?) -> IntakeRefusal {
        IntakeRefusal(
            .unsupportedMediaType,
            "Content-Encoding must be gzip or deflate (or none), not \((header ?? "").prefix(100))",
            reason: "unsupported_encoding")
    }

    /// Validates a body holding one event.
    func validate(body: [UInt8]) throws(IntakeRefusal) -> ValidatedEvent {
        do {
            return try validator.validate(body: body)
        } catch {
            throw IntakeRefusal(error)
        }
    }

    /// 403 when `SITES` is set and the event's site (`SiteName.resolve`: its `site`, else the
    /// `url` host, else the request's `Origin`, else `DEFAULT_SITE`) is not in it. Returns the
    /// site when it was resolved for the check, so `enrich` does not resolve it again.
    @discardableResult
    func checkHost(of event: ValidatedEvent, request: HTTPRequest) throws(IntakeRefusal) -> String? {
        if allowedHosts.allowsAll { return nil }
        let site = enricher.site(of: event, context: RequestContext(origin: request.headers["Origin"]))
        guard allowedHosts.allows(site) else {
            throw IntakeRefusal(
                .forbidden,
                "this collector does not take events for the site \(site.prefix(255)) (it is not in its SITES)",
                field: event.site != nil ? "site" : "url", reason: "host_not_allowed")
        }
        return site
    }

    /// The record for `event` and its classification, or 503 while the day's visitor salt is not
    /// agreed (only for an event without `user_id`). `site` is what `checkHost` resolved, if it did;
    /// an importing sender's event keeps its own `timestamp` as its time (`ImportPolicy`).
    func enrich(
        _ event: ValidatedEvent, request: HTTPRequest, client: String, now: Date, site: String? = nil,
        standing: ImportPolicy.Standing = .live
    ) throws(IntakeRefusal) -> EnrichedEvent {
        let time = try imports.time(of: event, standing: standing, now: now)
        var salt: VisitorSalt?
        if let salts, EventEnricher.needsVisitorID(event) {
            salt = salts.salt(at: now)
            if salt == nil {
                throw IntakeRefusal(
                    .serviceUnavailable,
                    "the collector is still agreeing on today's visitor salt with Kafka; retry shortly",
                    headers: IngestionRoutes.retryAfter, reason: "no_visitor_salt")
            }
        }
        return enricher.enrich(
            event,
            context: RequestContext(
                clientAddress: client, userAgent: request.headers["User-Agent"], origin: request.headers["Origin"]),
            receivedAt: time, generatedID: ids.next(at: now), salt: salt, site: site)
    }
}
