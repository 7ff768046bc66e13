import Foundation

/// The last hour minute by minute: events per minute for the last 60 minutes and "current
/// visitors" — distinct visitors in the last 5 minutes — by the server timestamp.
///
/// It keeps one counter per minute for the last hour, and a visitor sketch (exact up to 256
/// visitors, then a 4 KiB HyperLogLog, 1.6% standard error) only for the last
/// `visitorSketchMinutes` minutes before the newest event — current visitors need five, the rest
/// is slack for clocks that disagree — so memory is fixed whatever the traffic, and a replay of an
/// hour of history holds 10 sketches instead of 60.
public struct RealtimeWindow: Sendable {
    private struct Minute: Sendable {
        var events = 0
        var visitors = HyperLogLog(precision: 12, exactLimit: 256)
    }

    /// Minutes counted in `eventsPerMinute`.
    public let minutes = 60
    /// Minutes over which current visitors are counted.
    public let currentVisitorMinutes = 5
    /// Minutes before the newest one whose visitor sketches are kept.
    public let visitorSketchMinutes = 10
    private var buckets: [Int64: Minute] = [:]
    /// The start of the newest minute with events.
    private var newest = Int64.min

    public init() {}

    public mutating func add(at time: Date, visitor: String?) {
        let minute = RFC3339.intervalStart(time, seconds: 60)
        // Mutated in place: copying the bucket out and back would copy its visitor sketch.
        buckets[minute, default: Minute()].events += 1
        if minute > newest {
            newest = minute
            forgetOldMinutes()
        }
        if let visitor, minute > sketchCutoff { buckets[minute, default: Minute()].visitors.insert(visitor) }
    }

    /// Minutes holding visitors (what bounds this window's memory).
    public var minutesWithVisitors: Int { buckets.values.reduce(0) { $0 + ($1.visitors.isEmpty ? 0 : 1) } }

    /// Visitor sketches of minutes at or before this are dropped.
    private var sketchCutoff: Int64 { newest == .min ? .min : newest - Int64(visitorSketchMinutes * 60) }

    /// Drops minutes older than an hour before the newest, and the visitor sketches of minutes
    /// older than `visitorSketchMinutes`.
    private mutating func forgetOldMinutes() {
        guard newest != .min else { return }  // nothing counted yet
        let oldest = newest - Int64(minutes * 60)
        let cutoff = sketchCutoff
        // Keys first: changing the dictionary while iterating it would copy it.
        for minute in buckets.keys.filter({ $0 <= cutoff }) {
            if minute <= oldest {
                buckets[minute] = nil
            } else if buckets[minute]?.visitors.isEmpty == false {
                buckets[minute]?.visitors = HyperLogLog(precision: 12, exactLimit: 256)
            }
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
        if other.newest > newest { newest = other.newest }
        forgetOldMinutes()
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
            newest = max(newest, minute)
        }
    }
}
