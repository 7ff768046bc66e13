import AnalyticsCore
import Foundation
import Synchronization

/// Events per second per client address (`RATE_LIMIT_PER_IP`), as token buckets in a table of
/// fixed size, so a spray of addresses cannot grow the producer's memory.
///
/// An IPv6 client is one network of `ipv6Prefix` bits (`RATE_LIMIT_IPV6_PREFIX`, a /64 by
/// default): one host is given a whole /64 and can rotate through it, so a bucket per address
/// would give it a full burst for each of 2^64 addresses.
///
/// The table is set-associative: an address hashes to one set of `ways` entries; a new address
/// replaces the entry of its set whose bucket has refilled the most — the one whose client gains
/// least from being forgotten (a forgotten client starts again with a full burst). Sets are
/// spread over shards, each with its own lock, so event loops rarely contend.
final class ClientRateLimiter: Sendable {
    /// The answer for one request.
    enum Verdict: Equatable, Sendable {
        case allowed
        /// Over the limit: retry after this many whole seconds (at least 1).
        case limited(retryAfterSeconds: Int)
    }

    private struct Entry {
        var address: IPAddress?
        var tokens: Double = 0
        /// Seconds on the limiter's clock when `tokens` was last brought up to date.
        var updated: Double = 0
    }

    /// One lock and its share of the sets.
    private final class Shard: Sendable {
        let entries: Mutex<[Entry]>
        init(count: Int) { entries = Mutex(Array(repeating: Entry(), count: count)) }
    }

    let ratePerSecond: Double
    let burst: Double
    /// The bits of an IPv6 address that name one client.
    let ipv6Prefix: Int
    static let ways = 4
    private let setsPerShard: Int
    private let shards: [Shard]

    /// `capacity` is the number of clients remembered at once (rounded up to whole sets).
    init(ratePerSecond: Int, burst: Int, capacity: Int, ipv6Prefix: Int = 64, shardCount: Int = 16) {
        self.ratePerSecond = Double(ratePerSecond)
        self.ipv6Prefix = min(max(ipv6Prefix, 1), 128)
        self.burst = Double(max(burst, 1))
        let sets = max(1, (capacity + Self.ways - 1) / Self.ways)
        setsPerShard = max(1, (sets + shardCount - 1) / shardCount)
        shards = (0..<shardCount).map { [setsPerShard] _ in Shard(count: setsPerShard * Self.ways) }
    }

    /// Clients the table can remember at once.
    var capacity: Int { shards.count * setsPerShard * Self.ways }

    /// Takes `cost` tokens (a batch's event count) from `address`'s bucket at time `now` (seconds
    /// on a monotonic clock). A cost above the burst passes when the bucket is full, leaving it in
    /// debt: a large batch is not refused forever, and its client waits it out.
    func admit(_ client: IPAddress, cost: Int, now: Double) -> Verdict {
        let address = client.family == .v6 ? client.masked(toPrefix: ipv6Prefix) : client
        var hasher = Hasher()
        hasher.combine(address)
        let hash = UInt(bitPattern: hasher.finalize())
        let shard = shards[Int(hash % UInt(shards.count))]
        let set = Int((hash / UInt(shards.count)) % UInt(setsPerShard))
        let needed = min(Double(cost), burst)
        return shard.entries.withLock { entries in
            let first = set * Self.ways
            var slot = first
            var found = false
            var mostRefilled = -Double.infinity
            for index in first..<(first + Self.ways) {
                if entries[index].address == address {
                    slot = index
                    found = true
                    break
                }
                let refilled = entries[index].address == nil ? .infinity : level(entries[index], now: now)
                if refilled > mostRefilled {
                    mostRefilled = refilled
                    slot = index
                }
            }
            var entry = found ? entries[slot] : Entry(address: address, tokens: burst, updated: now)
            entry.tokens = level(entry, now: now)
            entry.updated = now
            defer { entries[slot] = entry }
            guard entry.tokens >= needed else {
                return .limited(retryAfterSeconds: max(1, Int(((needed - entry.tokens) / ratePerSecond).rounded(.up))))
            }
            entry.tokens -= Double(cost)
            return .allowed
        }
    }

    /// The bucket's tokens at `now`: refilled at the rate since it was last updated, up to the burst.
    private func level(_ entry: Entry, now: Double) -> Double {
        min(burst, entry.tokens + max(0, now - entry.updated) * ratePerSecond)
    }
}
