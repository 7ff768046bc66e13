import AnalyticsCore
import ClickHouse
import Foundation
import Kafka
import Synchronization

/// Where the history stands, for `/metrics`, `/analytics` and the dashboard's footer: off, being
/// written (and how far behind the topic), or failing since a moment and why.
///
/// The writer updates it; readers take a copy.
final class HistoryStatus: Sendable {
    enum State: Sendable, Equatable {
        /// No `CLICKHOUSE_URL`: no history is kept.
        case off
        /// Joining the history group and reading the progress stored in ClickHouse.
        case starting
        /// Rows go in; `lag` records of the topic are not stored yet.
        case writing(lag: Int64)
        /// Inserts fail; the writer retries and its consumption is paused meanwhile.
        case failing(since: Date, reason: String, lag: Int64)
    }

    private let state: Mutex<State>

    init(_ state: State) {
        self.state = Mutex(state)
    }

    var current: State { state.withLock { $0 } }

    func update(_ new: State) {
        state.withLock { $0 = new }
    }

    /// Records a failure of the history (an insert, reading the progress, Kafka): the moment of
    /// the first failure in a row is kept, and what kind of failure it is, without details
    /// (`/analytics` and the dashboard may be public; the log has the details).
    func failed(_ error: any Error) {
        let reason =
            switch error {
            case let error as ClickHouseError: error.summary
            case is KafkaError: "Kafka error"
            default: "error"
            }
        state.withLock { state in
            switch state {
            case .failing(let since, _, let lag): state = .failing(since: since, reason: reason, lag: lag)
            case .writing(let lag): state = .failing(since: Date(), reason: reason, lag: lag)
            case .off, .starting: state = .failing(since: Date(), reason: reason, lag: 0)
            }
        }
    }

    /// Records how far behind the topic the writer is.
    func lag(_ lag: Int64) {
        state.withLock { state in
            switch state {
            case .failing(let since, let reason, _): state = .failing(since: since, reason: reason, lag: lag)
            case .writing, .starting: state = .writing(lag: lag)
            case .off: break
            }
        }
    }

    /// The state as `/analytics` and the dashboard show it.
    var standing: StatsSnapshot.HistoryStanding {
        switch current {
        case .off: StatsSnapshot.HistoryStanding(state: "off")
        case .starting: StatsSnapshot.HistoryStanding(state: "starting")
        case .writing(let lag): StatsSnapshot.HistoryStanding(state: "writing", lag: Int(lag))
        case .failing(let since, let reason, let lag):
            StatsSnapshot.HistoryStanding(
                state: "failing", lag: Int(lag), since: RFC3339.formatSeconds(since), reason: reason)
        }
    }
}
