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

    /// Marks `offset` of `partition` as applied; false if this process already applied it.
    func claim(_ offset: Int64, in partition: TopicPartition) -> Bool {
        next.withLock { table in
            guard offset >= (table[partition] ?? 0) else { return false }
            table[partition] = offset + 1
            return true
        }
    }
}
