import Dispatch
import Synchronization

/// A bounded first-in first-out queue between two threads: the consume loop's decoding stage
/// puts batches in, its applying stage takes them out in the same order. `put` waits while
/// `capacity` batches are waiting (so decoding never runs far ahead of the statistics, and memory
/// stays bounded); `take` waits for the next batch and returns nil once `finish` was called and
/// everything before it was taken.
public final class BatchHandoff<Batch: Sendable>: Sendable {
    private let waiting = Mutex<[Batch?]>([])
    private let freeSlots: DispatchSemaphore
    private let filledSlots = DispatchSemaphore(value: 0)

    public init(capacity: Int) {
        freeSlots = DispatchSemaphore(value: max(1, capacity))
    }

    /// Hands `batch` over, waiting for room.
    public func put(_ batch: Batch) {
        freeSlots.wait()
        waiting.withLock { $0.append(batch) }
        filledSlots.signal()
    }

    /// No more batches: `take` returns nil after the ones already handed over.
    public func finish() {
        freeSlots.wait()
        waiting.withLock { $0.append(nil) }
        filledSlots.signal()
    }

    /// The next batch, waiting for one; nil once finished.
    public func take() -> Batch? {
        filledSlots.wait()
        let batch = waiting.withLock { $0.removeFirst() }
        freeSlots.signal()
        return batch
    }
}
