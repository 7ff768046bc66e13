import Foundation
import HTTPServer
import Synchronization

/// A request waiting for its record's acknowledgement, answered exactly once: by the delivery
/// report or by the deadline, whichever comes first.
final class PendingReply: Sendable {
    private let answered = Atomic<Bool>(false)
    private let respond: @Sendable (HTTPResponse) -> Void

    init(_ respond: @escaping @Sendable (HTTPResponse) -> Void) {
        self.respond = respond
    }

    /// Sends `response` unless the request was already answered; returns whether it was sent.
    @discardableResult
    func answer(_ response: HTTPResponse) -> Bool {
        guard !answered.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        respond(response)
        return true
    }
}

/// Holds every durable request to `DELIVERY_TIMEOUT_MS`: librdkafka checks message timeouts only
/// now and then (a record in flight when the broker stalls waited up to twice the timeout here),
/// so a scanner thread answers 503 at the deadline itself. All deadlines are the same length, so
/// they expire in arrival order and a FIFO is enough.
final class DeliveryDeadlines: Sendable {
    private struct Entry {
        var deadline: ContinuousClock.Instant
        var reply: PendingReply
        var id: String
    }

    private let timeout: Duration
    private let expired: @Sendable (_ id: String) -> HTTPResponse
    private let queue = Mutex<(entries: [Entry], head: Int)>(([], 0))

    /// `expired` makes the answer for a request whose event `id` was not acknowledged in time.
    init(timeout: Duration, expired: @escaping @Sendable (_ id: String) -> HTTPResponse) {
        self.timeout = timeout
        self.expired = expired
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: 0.05)
                expireDue()
            }
        }
        thread.name = "delivery-deadlines"
        thread.start()
    }

    func track(_ reply: PendingReply, id: String) {
        let entry = Entry(deadline: ContinuousClock.now + timeout, reply: reply, id: id)
        queue.withLock { $0.entries.append(entry) }
    }

    private func expireDue() {
        let now = ContinuousClock.now
        let due: [Entry] = queue.withLock { state in
            var due: [Entry] = []
            while state.head < state.entries.count, state.entries[state.head].deadline <= now {
                due.append(state.entries[state.head])
                state.head += 1
            }
            if state.head > 4096 && state.head * 2 > state.entries.count {
                state.entries.removeFirst(state.head)
                state.head = 0
            }
            return due
        }
        for entry in due { entry.reply.answer(expired(entry.id)) }
    }
}
