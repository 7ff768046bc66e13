import AnalyticsCore
import Kafka

/// The figures as every reader sees them — `/analytics`, the dashboard stream and the printed
/// summary: the group view's snapshot with this member's consumer lag.
struct LiveFigures: Sendable {
    let statistics: LiveStatistics
    let consumer: KafkaConsumer

    func snapshot() -> StatsSnapshot {
        var snapshot = statistics.snapshot()
        let lag = consumer.lag()
        snapshot.consumerLag = lag.isEmpty ? nil : Int(lag.values.reduce(0, +))
        return snapshot
    }
}
