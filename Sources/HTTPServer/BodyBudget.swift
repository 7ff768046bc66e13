import Synchronization

/// The bytes of request bodies all connections of a server may hold at once
/// (`HTTPServerConfiguration.maxBufferedBodyBytes`), shared by its event loops.
///
/// Without it, every connection may hold a whole maximum-size body: 10,000 connections of 1 MiB
/// are 10 GiB. A connection takes its request's share when the head announces the body (or as a
/// chunked one grows), and gives it back when the request is answered or the connection closes.
final class BodyBudget: Sendable {
    let capacity: Int
    private let available: Atomic<Int>

    init(capacity: Int) {
        self.capacity = capacity
        available = Atomic(capacity)
    }

    /// Bytes taken and not given back.
    var inUse: Int { capacity - available.load(ordering: .relaxed) }

    /// Takes `bytes` if that many are left; false (taking nothing) otherwise.
    func take(_ bytes: Int) -> Bool {
        var left = available.load(ordering: .relaxed)
        while true {
            guard left >= bytes else { return false }
            let (exchanged, original) = available.weakCompareExchange(
                expected: left, desired: left - bytes, successOrdering: .relaxed, failureOrdering: .relaxed)
            if exchanged { return true }
            left = original
        }
    }

    func giveBack(_ bytes: Int) {
        available.add(bytes, ordering: .relaxed)
    }
}
