import AnalyticsCore
import Foundation
import Synchronization

/// The producer's source of event ids, shared by all event-loop threads.
final class EventIDSource: Sendable {
    private let generator = Mutex(EventIDGenerator())

    func next(at date: Date) -> String {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        return generator.withLock { $0.next(milliseconds: milliseconds) }
    }
}
