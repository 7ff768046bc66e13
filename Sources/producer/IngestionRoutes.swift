import ASCIIText
import AnalyticsCore
import Foundation
import HTTPServer
import Kafka
import Metrics
import ServiceRuntime
import Synchronization

/// The producer's HTTP API (design §3): `POST /event`, `POST /events`, `GET /pixel.gif`,
/// `GET /script.js`, `GET /health`, `GET /ready`, `GET /metrics`.
///
/// Handlers never block the event loop: validation is synchronous and cheap, publishing
/// completes the request from the delivery-report thread.
struct IngestionRoutes: Sendable {
    let publisher: EventPublisher
    let intake: EventIntake
    let state: ProducerState
    let metrics: ServiceMetrics
    /// Answers durable requests 503 at `DELIVERY_TIMEOUT_MS` if Kafka has not acknowledged by then.
    let deadlines: DeliveryDeadlines?
    /// `events_accepted_total{classification}`.
    let acceptedEvents = AcceptedEventCounter()

    static let acceptedContentTypes = ["application/json", "text/plain"]

    func install(on router: inout Router) {
        router.on("POST", "/event") { request, respond in ingestOne(request, respond) }
        router.on("POST", "/events") { request, respond in ingestBatch(request, respond) }
        router.on("GET", "/pixel.gif") { request, respond in ingestPixel(request, respond) }
        let tracker = TrackerScript()
        router.on("GET", "/script.js") { request, respond in respond(tracker.asset.response(to: request.head)) }
        router.on("GET", "/health") { _, respond in
            respond(.json(.ok, fields: [("status", "healthy"), ("service", "analytics-producer")]))
        }
        router.on("GET", "/metrics") { _, respond in
            metrics.set("kafka_producer_queue_depth", to: Double(publisher.producer.queueDepth))
            metrics.set("kafka_broker_reachable", to: state.brokersReachable.load(ordering: .relaxed) ? 1 : 0)
            respond(
                HTTPResponse(
                    status: .ok, headers: HTTPHeaders([("Content-Type", ServiceMetrics.contentType)]),
                    body: metrics.render()))
        }
        router.on("GET", "/ready") { _, respond in
            if state.draining.load(ordering: .relaxed) {
                respond(.json(.serviceUnavailable, fields: [("status", "draining")], headers: Self.retryAfter))
            } else if !state.brokersReachable.load(ordering: .relaxed) {
                respond(.json(.serviceUnavailable, fields: [("status", "kafka unreachable")], headers: Self.retryAfter))
            } else {
                respond(.json(.ok, fields: [("status", "ready")]))
            }
        }
        router.screen("/event") { head in Self.contentTypeError(head) ?? EventIntake.unsupportedEncoding(head) }
        router.screen("/events") { head in Self.contentTypeError(head) ?? EventIntake.unsupportedEncoding(head) }
    }

    static let retryAfter = HTTPHeaders([("Retry-After", "1")])

    /// 415 unless the body is JSON (or `text/plain`, which `navigator.sendBeacon` sends).
    static func contentTypeError(_ head: HTTPRequestHead) -> HTTPResponse? {
        guard let contentType = head.headers["Content-Type"] else { return nil }
        if isAccepted(contentType) { return nil }
        return .error(
            .unsupportedMediaType,
            "Content-Type must be application/json or text/plain, not \(contentType.prefix(100))",
            field: nil)
    }

    /// Whether the media type (before any `;` parameters) is one of `acceptedContentTypes`,
    /// compared case-insensitively without allocating.
    static func isAccepted(_ contentType: String) -> Bool {
        let mediaType = Substring(contentType.utf8.prefix { $0 != UInt8(ascii: ";") }).trimmingSpacesAndTabs
        return acceptedContentTypes.contains { ASCII.equalIgnoringCase($0.utf8, mediaType.utf8) }
    }

    /// `{"status":"accepted","id":"..."}`, and for bot traffic `"bot":true,"reason":"..."` after
    /// them, so a sender is never left thinking a bot's event counts as a visitor's. Ids are UUIDs,
    /// so they need no escaping.
    static func acceptedBody(id: String, _ classification: VisitorAgent.Classification) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(66)
        body.append(contentsOf: #"{"status":"accepted","id":""#.utf8)
        body.append(contentsOf: id.utf8)
        body.append(UInt8(ascii: "\""))
        if case .bot(let match) = classification {
            body.append(contentsOf: #","bot":true,"reason":"#.utf8)
            body.append(contentsOf: JSONText.quote(match.reason).utf8)
        }
        body.append(UInt8(ascii: "}"))
        return body
    }

    private func ingestOne(_ request: HTTPRequest, _ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        if let error = Self.contentTypeError(request.head) { return respond(error) }
        let event: EnrichedEvent
        do throws(IntakeRefusal) {
            let client = intake.clientAddress(of: request)
            let standing = try intake.imports.standing(of: request)
            // An importer holding IMPORT_TOKEN is trusted: its bulk is not rate-limited.
            if standing == .live { try intake.admit(client, cost: 1) }
            let validated = try intake.validate(body: try intake.body(of: request))
            let site = try intake.checkHost(of: validated, request: request)
            event = try intake.enrich(
                validated, request: request, client: client, now: Date(), site: site, standing: standing)
        } catch {
            return refuse(error, respond)
        }
        publishOne(
            event, accepted: .json(.accepted, Self.acceptedBody(id: event.record.id, event.classification)), respond)
    }

    /// Answers a refusal, counted under its reason.
    func refuse(_ refusal: IntakeRefusal, _ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        metrics.increment("events_rejected_total", [("reason", refusal.reason)])
        respond(refusal.response)
    }

    /// Publishes one event and answers `accepted` once it is stored (per `ACK_MODE`), else 503.
    func publishOne(
        _ event: EnrichedEvent, accepted: HTTPResponse, _ respond: @escaping @Sendable (HTTPResponse) -> Void
    ) {
        let reply = PendingReply(respond)
        let id = event.record.id
        let classification = event.classification
        deadlines?.track(reply, .event(id: id))
        // Captures only what it uses: capturing `self` and `event` copied the routes and the event
        // (a retain and a release for each of their references) for every request.
        publisher.publish(event.record) { [acceptedEvents, metrics] result in
            switch result {
            case .success:
                reply.answer(accepted, counted: { acceptedEvents.increment(classification) })
            case .failure(let error):
                reply.answer(
                    .json(
                        .serviceUnavailable, fields: [("error", error.message), ("id", id)], headers: Self.retryAfter),
                    counted: { metrics.increment("events_rejected_total", [("reason", error.reason)]) })
            }
        }
    }

    private func ingestBatch(_ request: HTTPRequest, _ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        if let error = Self.contentTypeError(request.head) { return respond(error) }
        let client = intake.clientAddress(of: request)
        let items: [JSONValue]
        let standing: ImportPolicy.Standing
        do throws(IntakeRefusal) {
            standing = try intake.imports.standing(of: request)
            let body = try intake.body(of: request)
            do {
                guard case .array(let array) = try EventValidator.parse(body) else {
                    return respond(.error(.badRequest, "the body must be a JSON array of events"))
                }
                items = array
            } catch {
                throw IntakeRefusal(error)
            }
            guard !items.isEmpty else { return respond(.error(.badRequest, "the batch is empty")) }
            guard items.count <= intake.validator.limits.maxBatchSize else {
                return respond(
                    .error(
                        .contentTooLarge, "a batch may hold at most \(intake.validator.limits.maxBatchSize) events"))
            }
            if standing == .live { try intake.admit(client, cost: items.count) }
        } catch {
            return refuse(error, respond)
        }
        let now = Date()
        let batch = BatchOutcome(count: items.count, metrics: metrics, acceptedEvents: acceptedEvents)
        var toPublish: [(Int, EnrichedEvent)] = []
        for (index, item) in items.enumerated() {
            do throws(IntakeRefusal) {
                guard case .object(let members) = item else { throw IntakeRefusal(EventValidationError.notAnObject) }
                let validated: ValidatedEvent
                do {
                    validated = try intake.validator.validate(object: members)
                } catch {
                    throw IntakeRefusal(error)
                }
                let site = try intake.checkHost(of: validated, request: request)
                toPublish.append(
                    (
                        index,
                        try intake.enrich(
                            validated, request: request, client: client, now: now, site: site, standing: standing)
                    ))
            } catch let refusal where refusal.status == .serviceUnavailable {
                // Nothing is published yet: the whole batch is retried later.
                return refuse(refusal, respond)
            } catch {
                metrics.increment("events_rejected_total", [("reason", error.reason)])
                batch.set(index, .rejected(error.message, field: error.field))
            }
        }
        guard !toPublish.isEmpty else { return respond(batch.response()) }
        for (index, event) in toPublish { batch.set(index, .pending(event.record.id)) }
        // Answered once: when the last delivery completes, or at the deadline with what is known.
        let reply = PendingReply(respond)
        deadlines?.track(reply, .batch(batch))
        let remaining = Atomic<Int>(toPublish.count)
        for (index, event) in toPublish {
            let (id, classification) = (event.record.id, event.classification)
            publisher.publish(event.record) { result in
                switch result {
                case .success: batch.set(index, .accepted(id, classification))
                case .failure(let error): batch.set(index, .failed(id, error.message, reason: error.reason))
                }
                if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 { batch.answer(reply) }
            }
        }
    }
}
