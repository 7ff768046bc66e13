import Dispatch
import Kafka
import Synchronization

/// The result of one copy to the dead-letter topic, settled once: by its delivery report or by
/// the wait timing out, whichever comes first (a late report after a timeout is ignored).
final class CopyOutcome: Sendable {
    private let state = Mutex<Result<Void, KafkaError>?>(nil)

    /// Records `result` unless the copy was already settled; returns whether it was taken.
    @discardableResult
    func settle(_ result: Result<Void, KafkaError>) -> Bool {
        state.withLock { current in
            guard current == nil else { return false }
            current = result
            return true
        }
    }

    /// The settled result; nil while the copy is pending.
    var result: Result<Void, KafkaError>? { state.withLock { $0 } }
}
