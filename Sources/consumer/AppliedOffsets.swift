import Kafka
import Synchronization

/// The next offset to apply, per partition, for the life of this process.
///
/// It exists so that no record is applied twice by one consumer process: when a partition comes
/// back after a rebalance, reading resumes after the last applied record, and a record delivered
/// again (at-least-once) is recognised and not counted.
final class AppliedOffsets: Sendable {
    private let next = Mutex<[TopicPartition: Int64]>([:])

    /// The offset after the last record applied from `partition`, if any was.
    func nextOffset(for partition: TopicPartition) -> Int64? {
        next.withLock { $0[partition] }
    }

    /// Whether `offset` of `partition` is new to this process (not applied yet).
    func isNew(_ offset: Int64, in partition: TopicPartition) -> Bool {
        next.withLock { offset >= ($0[partition] ?? 0) }
    }

    func markApplied(_ offset: Int64, in partition: TopicPartition) {
        next.withLock { table in
            table[partition] = max(table[partition] ?? 0, offset + 1)
        }
    }
}
