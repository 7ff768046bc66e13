/// Where a newly assigned partition is read from, so a member can resume from offsets it stored
/// with its own state rather than the group's.
public enum StartPosition: Sendable, Equatable {
    /// The group's committed offset (or `auto.offset.reset` when there is none).
    case committed
    /// The oldest record the broker still has.
    case beginning
    /// This offset.
    case offset(Int64)
}
