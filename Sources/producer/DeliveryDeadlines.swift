import BackgroundWork
import Foundation
import HTTPServer
import Synchronization

/// Holds every durable request to `DELIVERY_TIMEOUT_MS`: librdkafka checks message timeouts only
/// now and then (a record in flight when the broker stalls waited up to twice the timeout here),
/// so a scanner thread answers 503 at the deadline itself. All deadlines are the same length, so
/// they expire in arrival order and a ring buffer is enough; entries are released as they expire,
/// never in bulk under the lock.
final class DeliveryDeadlines: Sendable {
    /// What a request that ran out of time is answered from.
    enum Expiry: Sendable {
        /// `POST /event`: the event's id.
        case event(id: String)
        /// `POST /events`: the batch's verdicts so far; those still pending become failures.
        case batch(BatchOutcome)
    }

    fileprivate struct Entry {
        var deadline: ContinuousClock.Instant
        var reply: PendingReply
        var expiry: Expiry
    }

    private let timeout: Duration
    private let expired: @Sendable (_ id: String) -> HTTPResponse
    private let ring = Mutex(DeadlineRing())
    private let scanner = BackgroundThread(name: "delivery-deadlines")

    /// `expired` makes the answer for a single event `id` not acknowledged in time, and counts it.
    init(timeout: Duration, expired: @escaping @Sendable (_ id: String) -> HTTPResponse) {
        self.timeout = timeout
        self.expired = expired
        scanner.start { [self] stop in
            while !stop.wait(for: .milliseconds(50)) {
                expireDue()
            }
        }
    }

    /// Stops the scanner thread and waits for it. Requests still tracked are no longer answered
    /// at their deadline: call it once the server and the producer have shut down. Idempotent.
    func stop() {
        scanner.stopAndJoin()
    }

    func track(_ reply: PendingReply, _ expiry: Expiry) {
        let entry = Entry(deadline: ContinuousClock.now + timeout, reply: reply, expiry: expiry)
        ring.withLock { $0.append(entry) }
    }

    private func expireDue() {
        let now = ContinuousClock.now
        while true {
            // Small batches, so the lock is never held long while requests are arriving.
            let due = ring.withLock { $0.popDue(before: now, limit: 1024) }
            for entry in due {
                switch entry.expiry {
                case .event(let id): entry.reply.answer(expired(id))
                case .batch(let batch): batch.answer(entry.reply, failingPendingWith: PublishError.notConfirmedInTime)
                }
            }
            if due.count < 1024 { return }
        }
    }
}

/// First-in first-out storage for `DeliveryDeadlines`, growing by doubling.
private struct DeadlineRing {
    private var slots: [DeliveryDeadlines.Entry?] = Array(repeating: nil, count: 1024)
    private var head = 0
    private var count = 0

    mutating func append(_ entry: DeliveryDeadlines.Entry) {
        if count == slots.count {
            var grown: [DeliveryDeadlines.Entry?] = Array(repeating: nil, count: slots.count * 2)
            for index in 0..<count { grown[index] = slots[(head + index) % slots.count] }
            slots = grown
            head = 0
        }
        slots[(head + count) % slots.count] = entry
        count += 1
    }

    mutating func popDue(before now: ContinuousClock.Instant, limit: Int) -> [DeliveryDeadlines.Entry] {
        var due: [DeliveryDeadlines.Entry] = []
        while count > 0, due.count < limit, let entry = slots[head], entry.deadline <= now {
            due.append(entry)
            slots[head] = nil
            head = (head + 1) % slots.count
            count -= 1
        }
        return due
    }
}
