import AnalyticsCore
import Kafka

/// The figures as every reader sees them — `/analytics`, the dashboard stream and the printed
/// summary: the group view's snapshot with this member's consumer lag.
struct LiveFigures: Sendable {
    let statistics: LiveStatistics
    let consumer: KafkaConsumer
    let history: HistoryStatus

    /// Every site together.
    func snapshot() -> StatsSnapshot {
        withLag(statistics.snapshot())
    }

    /// The figures of one scope (`LiveSnapshotFeed`).
    func figures(_ scope: FiguresScope) -> Figures {
        switch scope {
        case .allSites: return .snapshot(snapshot())
        case .site(let site):
            guard let snapshot = statistics.snapshot(site: site) else { return .unknownSite(site) }
            return .snapshot(withLag(snapshot))
        case .siteList: return .sites(statistics.sites())
        }
    }

    private func withLag(_ snapshot: StatsSnapshot) -> StatsSnapshot {
        var snapshot = snapshot
        let lag = consumer.lag()
        snapshot.consumerLag = lag.isEmpty ? nil : Int(lag.values.reduce(0, +))
        snapshot.history = history.standing
        return snapshot
    }
}
