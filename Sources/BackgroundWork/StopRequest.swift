import Dispatch
import Synchronization

/// What a `BackgroundThread`'s body is told about being asked to finish.
///
/// It exists so a body can both poll for the request (`isRequested`) and sleep in a way the
/// request cuts short (`wait(for:)`): a loop that sleeps between rounds would otherwise make
/// every `join` wait out its sleep.
public final class StopRequest: Sendable {
    private let requested = Atomic<Bool>(false)
    /// Signalled once by `request`; a waiter that takes the signal hands it on, so any number of
    /// waits after the request return at once.
    private let latch = DispatchSemaphore(value: 0)

    public init() {}

    /// Whether the thread has been asked to finish.
    public var isRequested: Bool { requested.load(ordering: .acquiring) }

    /// Sleeps up to `duration`, returning early when the request arrives. Returns `isRequested`.
    @discardableResult
    public func wait(for duration: Duration) -> Bool {
        if isRequested { return true }
        let (seconds, attoseconds) = duration.components
        // Clamped to a century, so no sleep overflows the nanosecond count.
        let nanoseconds = min(max(0, seconds), 3_155_760_000) * 1_000_000_000 + max(0, attoseconds) / 1_000_000_000
        if latch.wait(timeout: .now() + .nanoseconds(Int(clamping: nanoseconds))) == .success {
            latch.signal()
        }
        return isRequested
    }

    /// Asks once; later calls do nothing. Returns whether this call was the first.
    @discardableResult
    func request() -> Bool {
        guard !requested.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        latch.signal()
        return true
    }
}
