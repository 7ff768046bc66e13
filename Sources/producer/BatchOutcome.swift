import AnalyticsCore
import HTTPServer
import Synchronization

/// The per-event verdicts of one `POST /events`, filled in as deliveries complete.
final class BatchOutcome: Sendable {
    enum Verdict: Sendable {
        case pending
        case accepted(String)
        /// Refused before publishing: the message and the field at fault.
        case rejected(String, field: String?)
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
            case .rejected(let message, let field):
                rejected += 1
                var text = "{\"status\":\"rejected\",\"error\":\(JSONText.quote(message))"
                if let field { text += ",\"field\":\(JSONText.quote(field))" }
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
