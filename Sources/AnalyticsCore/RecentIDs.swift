/// The most recent event ids seen, up to a fixed number, oldest forgotten first.
///
/// It exists so that an event retried by a client with the same `id` (after a 503 or a lost
/// response) is counted once, in memory bounded by `capacity` whatever the traffic: a retry is
/// recognised as long as fewer than `capacity` other events arrived in between. Ids are kept as
/// 64-bit hashes (8 bytes each rather than a 36-character string); a false match among 100,000
/// ids is a one-in-10^9 event.
///
/// The hashes are already well mixed, so they index an open-addressing table of their own (at most
/// half full, linear probing, backward-shift deletion) instead of a `Set`: a `Set` hashed each one
/// again with SipHash for every lookup, insertion and removal — three times per event, a tenth of
/// the consumer's applying thread together with the removals.
public struct RecentIDs: Sendable {
    public let capacity: Int
    /// Empty until the first id; then a power of two at least twice `capacity` (0 = free slot).
    private var slots: [UInt64] = []
    /// The ids held, in the order they arrived (a ring once `capacity` are held).
    private var order: [UInt64] = []
    private var oldest = 0

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Records `id`; false if it is already among the recent ids (a duplicate).
    public mutating func insert(_ text: String) -> Bool {
        insert(hash: HyperLogLog.hash(text))
    }

    /// Records an id by its hash (`EventSummary.idHash`); false if it is already among the recent ids.
    public mutating func insert(hash: UInt64) -> Bool {
        // 0 marks a free slot: an id hashing to 0 (one in 2^64) is held as one hashing to 1.
        let id = hash == 0 ? 1 : hash
        if slots.isEmpty {
            var size = 2
            while size < capacity * 2 { size <<= 1 }
            slots = Array(repeating: 0, count: size)
            order.reserveCapacity(min(capacity, 1 << 16))
        }
        guard !contains(id) else { return false }
        if order.count < capacity {
            order.append(id)
        } else {
            remove(order[oldest])
            order[oldest] = id
            oldest = (oldest + 1) % capacity
        }
        slots.withUnsafeMutableBufferPointer { table in
            let mask = table.count - 1
            var slot = Int(truncatingIfNeeded: id) & mask
            while table[slot] != 0 { slot = (slot + 1) & mask }
            table[slot] = id
        }
        return true
    }

    public var count: Int { order.count }

    private func contains(_ id: UInt64) -> Bool {
        slots.withUnsafeBufferPointer { table in
            let mask = table.count - 1
            var slot = Int(truncatingIfNeeded: id) & mask
            while table[slot] != 0 {
                if table[slot] == id { return true }
                slot = (slot + 1) & mask
            }
            return false
        }
    }

    /// Removes `id` and moves back the entries after it that probed past its slot, so that every
    /// entry stays reachable from its home slot without tombstones.
    private mutating func remove(_ id: UInt64) {
        slots.withUnsafeMutableBufferPointer { table in
            let mask = table.count - 1
            var hole = Int(truncatingIfNeeded: id) & mask
            while table[hole] != id {
                guard table[hole] != 0 else { return }  // not held
                hole = (hole + 1) & mask
            }
            table[hole] = 0
            var next = (hole + 1) & mask
            while table[next] != 0 {
                let home = Int(truncatingIfNeeded: table[next]) & mask
                // The entry may fill the hole if the hole lies between its home and where it is.
                if (next &- home) & mask >= (next &- hole) & mask {
                    table[hole] = table[next]
                    table[next] = 0
                    hole = next
                }
                next = (next + 1) & mask
            }
        }
    }
}
