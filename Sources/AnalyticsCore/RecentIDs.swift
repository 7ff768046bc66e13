/// The most recent event ids seen, up to a fixed number, oldest forgotten first.
///
/// It exists so that an event retried by a client with the same `id` (after a 503 or a lost
/// response) is counted once, in memory bounded by `capacity` whatever the traffic: a retry is
/// recognised as long as fewer than `capacity` other events arrived in between. Ids are kept as
/// 64-bit hashes (8 bytes each rather than a 36-character string); a false match among 100,000
/// ids is a one-in-10^9 event.
public struct RecentIDs: Sendable {
    public let capacity: Int
    private var members: Set<UInt64> = []
    private var order: [UInt64] = []
    private var oldest = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        members.reserveCapacity(min(self.capacity, 1 << 16))
    }

    /// Records `id`; false if it is already among the recent ids (a duplicate).
    public mutating func insert(_ text: String) -> Bool {
        let id = HyperLogLog.hash(text)
        guard !members.contains(id) else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            members.remove(order[oldest])
            order[oldest] = id
            oldest = (oldest + 1) % capacity
        }
        members.insert(id)
        return true
    }

    public var count: Int { members.count }
}
