import AnalyticsCore
import Foundation
import HTTPServer
import Kafka
import Metrics
import ServiceRuntime
import Synchronization

/// The producer's HTTP API (design §3): `POST /event`, `POST /events`, `GET /health`, `GET /ready`.
///
/// Handlers never block the event loop: validation is synchronous and cheap, publishing
/// completes the request from the delivery-report thread.
struct IngestionRoutes: Sendable {
    let publisher: EventPublisher
    let validator: EventValidator
    let enricher = EventEnricher()
    let state: ProducerState
    let metrics: ServiceMetrics
    let ids = EventIDSource()
    /// Answers durable requests 503 at `DELIVERY_TIMEOUT_MS` if Kafka has not acknowledged by then.
    let deadlines: DeliveryDeadlines?
    /// `events_accepted_total`, held directly: it is incremented on every accepted event.
    let acceptedEvents = Metrics.Counter(label: "events_accepted_total")

    static let acceptedContentTypes = ["application/json", "text/plain"]

    func install(on router: inout Router) {
        router.on("POST", "/event") { request, respond in ingestOne(request, respond) }
        router.on("POST", "/events") { request, respond in ingestBatch(request, respond) }
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
        router.screen("/event") { head in Self.contentTypeError(head) }
        router.screen("/events") { head in Self.contentTypeError(head) }
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
        let mediaType = contentType.utf8.prefix { $0 != UInt8(ascii: ";") }
        let trimmed = mediaType.drop { $0 == 0x20 || $0 == 0x09 }.reversed().drop { $0 == 0x20 || $0 == 0x09 }
            .reversed()
        return acceptedContentTypes.contains { accepted in
            accepted.utf8.count == trimmed.count
                && zip(accepted.utf8, trimmed).allSatisfy { $0 == ($1 | (($1 >= 0x41 && $1 <= 0x5A) ? 0x20 : 0)) }
        }
    }

    /// `{"status":"accepted","id":"..."}`; ids are UUIDs, so they need no escaping.
    static func acceptedBody(id: String) -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(66)
        body.append(contentsOf: #"{"status":"accepted","id":""#.utf8)
        body.append(contentsOf: id.utf8)
        body.append(contentsOf: #""}"#.utf8)
        return body
    }

    private func context(_ request: HTTPRequest) -> RequestContext {
        RequestContext(
            remoteAddress: request.remoteAddress.isEmpty ? nil : request.remoteAddress,
            userAgent: request.headers["User-Agent"])
    }

    private func ingestOne(_ request: HTTPRequest, _ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        if let error = Self.contentTypeError(request.head) { return respond(error) }
        let validated: ValidatedEvent
        do {
            validated = try validator.validate(body: request.body)
        } catch {
            metrics.increment("events_rejected_total", [("reason", error.reason)])
            return respond(.error(.badRequest, error.description, field: error.field))
        }
        let now = Date()
        let event = enricher.enrich(
            validated, context: context(request), receivedAt: now, generatedID: ids.next(at: now))
        let reply = PendingReply(respond)
        let id = event.id
        deadlines?.track(reply, id: id)
        // Captures only what it uses: capturing `self` and `event` copied the routes and the event
        // (a retain and a release for each of their references) for every request.
        publisher.publish(event) { [acceptedEvents, metrics] result in
            switch result {
            case .success:
                reply.answer(.json(.accepted, Self.acceptedBody(id: id)), counted: { acceptedEvents.increment() })
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
        let items: [JSONValue]
        do {
            guard case .array(let array) = try EventValidator.parse(request.body) else {
                return respond(.error(.badRequest, "the body must be a JSON array of events"))
            }
            items = array
        } catch {
            return respond(.error(.badRequest, error.description))
        }
        guard !items.isEmpty else { return respond(.error(.badRequest, "the batch is empty")) }
        guard items.count <= validator.limits.maxBatchSize else {
            return respond(.error(.contentTooLarge, "a batch may hold at most \(validator.limits.maxBatchSize) events"))
        }
        let now = Date()
        let batch = BatchOutcome(count: items.count)
        var toPublish: [(Int, AnalyticsEvent)] = []
        for (index, item) in items.enumerated() {
            do {
                guard case .object(let members) = item else { throw EventValidationError.notAnObject }
                let validated = try validator.validate(object: members)
                let event = enricher.enrich(
                    validated, context: context(request), receivedAt: now, generatedID: ids.next(at: now))
                toPublish.append((index, event))
            } catch let error as EventValidationError {
                metrics.increment("events_rejected_total", [("reason", error.reason)])
                batch.set(index, .rejected(error))
            } catch {}
        }
        guard !toPublish.isEmpty else { return respond(batch.response()) }
        let remaining = Atomic<Int>(toPublish.count)
        for (index, event) in toPublish {
            publisher.publish(event) { result in
                switch result {
                case .success:
                    acceptedEvents.increment()
                    batch.set(index, .accepted(event.id))
                case .failure(let error):
                    metrics.increment("events_rejected_total", [("reason", error.reason)])
                    batch.set(index, .failed(event.id, error.message))
                }
                if remaining.subtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
                    respond(batch.response())
                }
            }
        }
    }
}

/// The per-event verdicts of one `POST /events`, filled in as deliveries complete.
final class BatchOutcome: Sendable {
    enum Verdict: Sendable {
        case pending
        case accepted(String)
        case rejected(EventValidationError)
        case failed(String, String)
    }

    private let verdicts: Mutex<[Verdict]>

    init(count: Int) {
        verdicts = Mutex(Array(repeating: .pending, count: count))
    }

    func set(_ index: Int, _ verdict: Verdict) {
        verdicts.withLock { $0[index] = verdict }
    }

    /// 202 when every valid event was stored; 503 with `Retry-After` when any could not be.
    func response() -> HTTPResponse {
        let all = verdicts.withLock { $0 }
        var accepted = 0
        var rejected = 0
        var failed = 0
        var results: [String] = []
        for verdict in all {
            switch verdict {
            case .accepted(let id):
                accepted += 1
                results.append("{\"status\":\"accepted\",\"id\":\(JSONText.quote(id))}")
            case .rejected(let error):
                rejected += 1
                var text = "{\"status\":\"rejected\",\"error\":\(JSONText.quote(error.description))"
                if let field = error.field { text += ",\"field\":\(JSONText.quote(field))" }
                results.append(text + "}")
            case .failed(let id, let message):
                failed += 1
                results.append(
                    "{\"status\":\"failed\",\"id\":\(JSONText.quote(id)),\"error\":\(JSONText.quote(message))}")
            case .pending:
                results.append("{\"status\":\"pending\"}")
            }
        }
        let status = failed > 0 ? "unavailable" : (accepted > 0 ? "accepted" : "rejected")
        let body =
            "{\"status\":\"\(status)\",\"accepted\":\(accepted),\"rejected\":\(rejected),\"failed\":\(failed),\"results\":[\(results.joined(separator: ","))]}"
        if failed > 0 {
            return .json(.serviceUnavailable, Array(body.utf8), headers: IngestionRoutes.retryAfter)
        }
        return .json(accepted > 0 ? .accepted : .badRequest, Array(body.utf8))
    }
}
