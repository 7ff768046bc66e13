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

    /// What a request is answered when its body does not fit.
    static let refusal = HTTPResponse.error(
        .serviceUnavailable, "the server is holding too many request bodies; retry shortly",
        headers: HTTPHeaders([("Retry-After", "1")]))

    /// Raises what a connection holds (`held`) to `bytes`, never lowering it; false, holding no
    /// more, when the budget cannot cover the difference.
    func hold(_ bytes: Int, in held: inout Int) -> Bool {
        guard bytes > held else { return true }
        guard take(bytes - held) else { return false }
        held = bytes
        return true
    }

    /// Gives back everything a connection holds.
    func release(_ held: inout Int) {
        guard held > 0 else { return }
        giveBack(held)
        held = 0
    }

    /// Takes `bytes` if that many are left; false (taking nothing) otherwise.
    private func take(_ bytes: Int) -> Bool {
        var left = available.load(ordering: .relaxed)
        while true {
            guard left >= bytes else { return false }
            let (exchanged, original) = available.weakCompareExchange(
                expected: left, desired: left - bytes, successOrdering: .relaxed, failureOrdering: .relaxed)
            if exchanged { return true }
            left = original
        }
    }

    private func giveBack(_ bytes: Int) {
        available.add(bytes, ordering: .relaxed)
    }
}
