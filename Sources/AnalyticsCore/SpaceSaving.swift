/// The most frequent keys of a stream in fixed memory (Metwally et al.'s Space-Saving).
///
/// It exists because counting every page or referrer exactly grows with the site. At most
/// `capacity` keys are monitored; a new key replaces the least counted one and inherits its count
/// as `error`. Each reported count overestimates the true count by at most its `error`, which is
/// at most N / capacity for N insertions; while fewer than `capacity` distinct keys were seen the
/// counts are exact (every `error` is 0). A min-heap keeps each insertion O(log capacity).
public struct SpaceSaving<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// One monitored key: its (over)count, the most it may be over, and a payload.
    public struct Entry: Sendable {
        public var key: Key
        public var count: Int
        public var error: Int
        public var value: Value
    }

    public private(set) var capacity: Int
    private var heap: [Entry] = []
    private var positions: [Key: Int] = [:]

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Monitors at most `newCapacity` keys from now on. Shrinking forgets the least counted keys;
    /// one forgotten and seen again inherits the least count as its error, as after an eviction,
    /// so counts still never underestimate.
    public mutating func resize(to newCapacity: Int) {
        capacity = max(1, newCapacity)
        while heap.count > capacity {
            positions[heap[0].key] = nil
            let last = heap.removeLast()
            guard !heap.isEmpty else { break }
            heap[0] = last
            positions[last.key] = 0
            siftDown(0)
        }
    }

    /// Counts one occurrence of `key`; `update` changes its payload, `make` creates the payload of
    /// a newly monitored key.
    public mutating func add(_ key: Key, make: () -> Value, update: (inout Value) -> Void) {
        if let position = positions[key] {
            heap[position].count += 1
            update(&heap[position].value)
            siftDown(position)
            return
        }
        var value = make()
        update(&value)
        if heap.count < capacity {
            heap.append(Entry(key: key, count: 1, error: 0, value: value))
            positions[key] = heap.count - 1
            siftUp(heap.count - 1)
            return
        }
        // Replace the least counted key; the newcomer may have occurred up to that many times.
        let evicted = heap[0]
        positions[evicted.key] = nil
        heap[0] = Entry(key: key, count: evicted.count + 1, error: evicted.count, value: value)
        positions[key] = 0
        siftDown(0)
    }

    /// Monitored entries, most counted first, ties by `order`.
    public func top(_ limit: Int, by order: (Key, Key) -> Bool) -> [Entry] {
        Array(heap.sorted { $0.count != $1.count ? $0.count > $1.count : order($0.key, $1.key) }.prefix(limit))
    }

    public var count: Int { heap.count }

    /// Adds what `other` counted (Agarwal et al.'s merge of mergeable summaries). A key that one
    /// side does not monitor counts that side's least count when that side is full (it may have
    /// been evicted there), so counts still never underestimate; while neither side is full the
    /// result is exact. `combine` merges the payloads of a key monitored on both sides.
    public mutating func merge(_ other: SpaceSaving, combine: (inout Value, Value) -> Void) {
        let mine = heap.count >= capacity ? (heap.first?.count ?? 0) : 0
        let theirs = other.heap.count >= other.capacity ? (other.heap.first?.count ?? 0) : 0
        var merged: [Key: Entry] = [:]
        merged.reserveCapacity(heap.count + other.heap.count)
        for entry in heap {
            var combined = entry
            combined.count += theirs
            combined.error += theirs
            merged[entry.key] = combined
        }
        for entry in other.heap {
            if var existing = merged[entry.key] {
                existing.count += entry.count - theirs
                existing.error += entry.error - theirs
                combine(&existing.value, entry.value)
                merged[entry.key] = existing
            } else {
                merged[entry.key] = Entry(
                    key: entry.key, count: entry.count + mine, error: entry.error + mine, value: entry.value)
            }
        }
        var entries = Array(merged.values)
        if entries.count > capacity {
            entries.sort { $0.count > $1.count }
            entries.removeLast(entries.count - capacity)
        }
        heap = []
        positions = [:]
        for entry in entries {
            heap.append(entry)
            positions[entry.key] = heap.count - 1
            siftUp(heap.count - 1)
        }
    }

    /// The monitored entries in no particular order, to write a partial state.
    var entries: [Entry] { heap }

    /// A summary monitoring `entries` (at most `capacity` of them are kept, the most counted).
    init(capacity: Int, entries: [Entry]) {
        self.init(capacity: capacity)
        var kept = entries
        if kept.count > self.capacity {
            kept.sort { $0.count > $1.count }
            kept.removeLast(kept.count - self.capacity)
        }
        for entry in kept where positions[entry.key] == nil {
            heap.append(entry)
            positions[entry.key] = heap.count - 1
            siftUp(heap.count - 1)
        }
    }

    private mutating func siftUp(_ start: Int) {
        var child = start
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].count < heap[parent].count else { return }
            swapAt(child, parent)
            child = parent
        }
    }

    private mutating func siftDown(_ start: Int) {
        var parent = start
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count && heap[left].count < heap[smallest].count { smallest = left }
            if right < heap.count && heap[right].count < heap[smallest].count { smallest = right }
            guard smallest != parent else { return }
            swapAt(parent, smallest)
            parent = smallest
        }
    }

    private mutating func swapAt(_ first: Int, _ second: Int) {
        heap.swapAt(first, second)
        positions[heap[first].key] = first
        positions[heap[second].key] = second
    }
}

extension SpaceSaving where Key == String {
    func write(to writer: inout PartialWriter, value: (inout PartialWriter, Value) -> Void) {
        writer.sequence(heap) { writer, entry in
            writer.string(entry.key)
            writer.int(entry.count)
            writer.int(entry.error)
            value(&writer, entry.value)
        }
    }

    init(
        capacity: Int, from reader: inout PartialReader,
        value: (inout PartialReader) throws(PartialStateError) -> Value
    ) throws(PartialStateError) {
        let entries = try reader.sequence { reader throws(PartialStateError) in
            let key = try reader.string()
            let count = try reader.tally("count of \"\(key.prefix(64))\"")
            let error = try reader.tally("error of \"\(key.prefix(64))\"")
            guard error <= count else { throw .corrupt("error above count for \"\(key.prefix(64))\"") }
            return Entry(key: key, count: count, error: error, value: try value(&reader))
        }
        self.init(capacity: capacity, entries: entries)
    }
}

extension SpaceSaving where Key == String, Value == Int {
    func write(to writer: inout PartialWriter) {
        write(to: &writer) { _, _ in }
    }

    init(capacity: Int, from reader: inout PartialReader) throws(PartialStateError) {
        try self.init(capacity: capacity, from: &reader) { _ throws(PartialStateError) in 0 }
    }
}
