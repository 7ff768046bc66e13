import Foundation

/// The last hour minute by minute: events per minute for the last 60 minutes and "current
/// visitors" — distinct visitors in the last 5 minutes — by the server timestamp.
///
/// It keeps one counter and one visitor sketch per minute (exact up to 256 visitors, then a
/// 4 KiB HyperLogLog, 1.6% standard error) and forgets minutes older than an hour, so memory is
/// fixed whatever the traffic.
public struct RealtimeWindow: Sendable {
    private struct Minute: Sendable {
        var events = 0
        var visitors = HyperLogLog(precision: 12, exactLimit: 256)
    }

    /// Minutes counted in `eventsPerMinute`.
    public let minutes = 60
    /// Minutes over which current visitors are counted.
    public let currentVisitorMinutes = 5
    private var buckets: [Int64: Minute] = [:]

    public init() {}

    public mutating func add(at time: Date, visitor: String?) {
        let minute = RFC3339.intervalStart(time, seconds: 60)
        // Mutated in place: copying the bucket out and back would copy its visitor sketch.
        buckets[minute, default: Minute()].events += 1
        if let visitor { buckets[minute, default: Minute()].visitors.insert(visitor) }
        if buckets.count > minutes * 2 {
            let newest = buckets.keys.max() ?? minute
            buckets = buckets.filter { $0.key > newest - Int64(minutes * 60) }
        }
    }

    /// Events in each of the last 60 minutes before `now`, keyed by the minute's start (UTC);
    /// minutes without events are left out.
    public func eventsPerMinute(now: Date) -> [String: Int] {
        let current = RFC3339.intervalStart(now, seconds: 60)
        var result: [String: Int] = [:]
        for (minute, bucket) in buckets where minute > current - Int64(minutes * 60) && minute <= current {
            result[RFC3339.formatSeconds(Date(timeIntervalSince1970: Double(minute)))] = bucket.events
        }
        return result
    }

    /// Distinct visitors in the last 5 minutes before `now` (this minute included).
    public func currentVisitors(now: Date) -> Int {
        let current = RFC3339.intervalStart(now, seconds: 60)
        var union = HyperLogLog(precision: 12, exactLimit: 256)
        for (minute, bucket) in buckets where minute > current - Int64(currentVisitorMinutes * 60) && minute <= current
        {
            union.merge(bucket.visitors)
        }
        return union.count
    }
}

extension RealtimeWindow {
    /// Adds another partition's minutes: events add up, visitor sketches merge.
    public mutating func merge(_ other: RealtimeWindow) {
        for (minute, theirs) in other.buckets {
            var bucket = buckets[minute] ?? Minute()
            bucket.events += theirs.events
            bucket.visitors.merge(theirs.visitors)
            buckets[minute] = bucket
        }
    }

    func write(to writer: inout PartialWriter) {
        writer.sequence(buckets) { writer, element in
            writer.int(element.key)
            writer.int(element.value.events)
            element.value.visitors.write(to: &writer)
        }
    }

    init(from reader: inout PartialReader) throws(PartialStateError) {
        self.init()
        for _ in 0..<(try reader.count()) {
            let minute = try reader.int64()
            buckets[minute] = Minute(events: try reader.int(), visitors: try HyperLogLog(from: &reader))
        }
    }
}
