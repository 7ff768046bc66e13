import Foundation

/// The sessions seen within the inactivity timeout (30 minutes by default).
///
/// It exists because "active sessions" must fall by the clock even when no events arrive: each
/// session remembers when it was last seen, and `expire(now:)` drops those idle too long, so the
/// memory it holds is bounded by the traffic of one timeout window.
public struct SessionWindow: Sendable {
    public let timeout: TimeInterval
    private var lastSeen: [String: Date] = [:]

    public init(timeout: TimeInterval = 30 * 60) {
        self.timeout = timeout
    }

    /// Records activity for `session` at `time` (an older time never moves it backwards).
    public mutating func touch(_ session: String, at time: Date) {
        if let previous = lastSeen[session], previous >= time { return }
        lastSeen[session] = time
    }

    /// Forgets sessions not seen for longer than the timeout before `now`.
    public mutating func expire(now: Date) {
        let cutoff = now.addingTimeInterval(-timeout)
        lastSeen = lastSeen.filter { $0.value > cutoff }
    }

    /// Sessions seen within the timeout before `now`.
    public func activeCount(now: Date) -> Int {
        let cutoff = now.addingTimeInterval(-timeout)
        return lastSeen.values.reduce(0) { $0 + ($1 > cutoff ? 1 : 0) }
    }
}
