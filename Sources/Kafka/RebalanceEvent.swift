/// A partition assignment change seen by a group member, so it can load or hand over the state
/// of the partitions that move.
public enum RebalanceEvent: Sendable, Equatable {
    /// Partitions about to be assigned, before their start positions are asked for.
    case assigning([TopicPartition])
    case assigned([TopicPartition])
    case revoked([TopicPartition])
}
