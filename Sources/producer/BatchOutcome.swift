import AnalyticsCore
import HTTPServer
import Metrics
import ServiceRuntime
import Synchronization

/// The per-event verdicts of one `POST /events`, filled in as deliveries complete, and the one
/// answer the batch gets: when its last delivery completes, or at the delivery deadline with the
/// events still waiting counted as failed, whichever comes first. The events are counted in the
/// metrics when, and as, they are answered.
final class BatchOutcome: Sendable {
    enum Verdict: Sendable {
        /// Not decided yet; the event's id once it is being published.
        case pending(String?)
        /// Stored: the id, and how the event was classified (the sender is told if it is a bot).
        case accepted(String, VisitorAgent.Classification)
        /// Refused before publishing: the message and the field at fault.
        case rejected(String, field: String?)
        /// Not stored: the id, the message and the metric reason.
        case failed(String, String, reason: String)
    }

    private let verdicts: Mutex<[Verdict]>
    private let metrics: ServiceMetrics
    private let acceptedEvents: AcceptedEventCounter

    init(count: Int, metrics: ServiceMetrics, acceptedEvents: AcceptedEventCounter) {
        verdicts = Mutex(Array(repeating: .pending(nil), count: count))
        self.metrics = metrics
        self.acceptedEvents = acceptedEvents
    }

    /// Records the verdict for `index`. A delivery report that comes after the batch was answered
    /// at its deadline still lands here, but nobody reads it.
    func set(_ index: Int, _ verdict: Verdict) {
        verdicts.withLock { $0[index] = verdict }
    }

    /// Answers `reply` (unless it was answered already) from the verdicts as they are now; with
    /// `failingPendingWith`, events still waiting for their acknowledgement fail with that message.
    func answer(_ reply: PendingReply, failingPendingWith timeout: String? = nil) {
        var all = verdicts.withLock { $0 }
        if let timeout {
            for index in all.indices {
                if case .pending(let id?) = all[index] { all[index] = .failed(id, timeout, reason: "delivery_timeout") }
            }
        }
        reply.answer(Self.response(all)) {
            for verdict in all {
                switch verdict {
                case .accepted(_, let classification): acceptedEvents.increment(classification)
                case .failed(_, _, let reason): metrics.increment("events_rejected_total", [("reason", reason)])
                case .pending, .rejected: break  // rejected ones were counted as they were refused
                }
            }
        }
    }

    /// The answer to a batch none of whose events is published (all refused).
    func response() -> HTTPResponse {
        Self.response(verdicts.withLock { $0 })
    }

    /// 202 when every valid event was stored; 503 with `Retry-After` when any could not be.
    private static func response(_ all: [Verdict]) -> HTTPResponse {
        var accepted = 0
        var rejected = 0
        var failed = 0
        var results: [String] = []
        for verdict in all {
            switch verdict {
            case .accepted(let id, let classification):
                accepted += 1
                results.append(String(decoding: IngestionRoutes.acceptedBody(id: id, classification), as: UTF8.self))
            case .rejected(let message, let field):
                rejected += 1
                var text = "{\"status\":\"rejected\",\"error\":\(JSONText.quote(message))"
                if let field { text += ",\"field\":\(JSONText.quote(field))" }
                results.append(text + "}")
            case .failed(let id, let message, _):
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
