import HTTPServer
import Synchronization

/// A request waiting for its record's acknowledgement, answered exactly once: by the delivery
/// report or by the deadline, whichever comes first. Answering drops the response closure at
/// once, so a request already answered holds no connection state while its deadline runs.
final class PendingReply: Sendable {
    private let respond: Mutex<(@Sendable (HTTPResponse) -> Void)?>

    init(_ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        self.respond = Mutex(respond)
    }

    /// Sends `response` unless the request was already answered; returns whether it was sent.
    /// The response is only built when it is sent, and `counted` runs just before: a client that
    /// has its answer sees the metrics that count it (counting after sending raced with a
    /// `/metrics` request made right after the answer).
    @discardableResult
    func answer(_ response: @autoclosure () -> HTTPResponse, counted: () -> Void = {}) -> Bool {
        let send = respond.withLock { respond in
            defer { respond = nil }
            return respond
        }
        guard let send else { return false }
        counted()
        send(response())
        return true
    }
}
