import AnalyticsCore
import Foundation
import Synchronization

/// The aggregator shared by the consume loop (writer) and the stats printer and HTTP endpoints
/// (readers), behind one lock. Readers take a snapshot and render outside the lock.
final class LiveStatistics: Sendable {
    private let aggregator: Mutex<AnalyticsAggregator>

    init(configuration: AggregatorConfiguration) {
        aggregator = Mutex(AnalyticsAggregator(configuration: configuration))
    }

    /// Applies `event`; false when it was a duplicate of a recent event and not counted.
    func apply(_ event: AnalyticsEvent) -> Bool {
        aggregator.withLock { $0.apply(event) }
    }

    func recordInvalidRecord() {
        aggregator.withLock { $0.recordInvalidRecord() }
    }

    /// Expires idle sessions and returns the statistics as of `now`.
    func snapshot(now: Date = Date()) -> StatsSnapshot {
        aggregator.withLock { aggregator in
            aggregator.expireSessions(now: now)
            return aggregator.snapshot(now: now)
        }
    }
}
