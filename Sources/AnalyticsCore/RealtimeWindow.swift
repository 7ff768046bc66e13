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
        /// The start of the minute this slot holds (Unix seconds); `.min` while it holds none.
        var start = Int64.min
        var events = 0
        var visitors = HyperLogLog(precision: 12, exactLimit: 256)
    }

    /// Minutes counted in `eventsPerMinute`.
    public let minutes = 60
    /// Minutes over which current visitors are counted.
    public let currentVisitorMinutes = 5
    /// Minutes before the newest one whose visitor sketches are kept.
    public let visitorSketchMinutes = 10
    /// One slot per minute of the hour, by minute number: a minute's slot is found without hashing
    /// and is reused an hour later. Empty until the first event.
    private var slots: [Minute] = []
    /// The start of the newest minute with events.
    private var newest = Int64.min

    public init() {}

    public mutating func add(at time: Date, visitor: String?) {
        add(at: time, visitorHash: visitor.map { HyperLogLog.hash($0) })
    }

    /// `add(at:visitor:)` with the visitor already hashed (`HyperLogLog.hash`).
    mutating func add(at time: Date, visitorHash visitor: UInt64?) {
        let minute = RFC3339.intervalStart(time, seconds: 60)
        guard let slot = claimSlot(for: minute) else { return }
        slots[slot].events += 1
        if let visitor, minute > sketchCutoff { slots[slot].visitors.insert(hash: visitor) }
    }

    /// The slot of `minute`, once the window has moved on to it if it is the newest yet: emptied
    /// first if it held an older minute; nil when `minute` is an hour or more older than the newest
    /// (in no minute shown) or its slot holds a newer one.
    private mutating func claimSlot(for minute: Int64) -> Int? {
        advance(to: minute)
        guard minute > oldest else { return nil }
        if slots.isEmpty { slots = Array(repeating: Minute(), count: minutes) }
        let slot = Int((minute / 60) % Int64(minutes) + Int64(minutes)) % minutes
        if slots[slot].start == minute { return slot }
        guard slots[slot].start < minute else { return nil }
        slots[slot] = Minute(start: minute)
        return slot
    }

    /// Makes `minute` the newest if it is newer, forgetting what falls out of the window.
    private mutating func advance(to minute: Int64) {
        guard minute > newest else { return }
        newest = minute
        forgetOldMinutes()
    }

    /// Minutes holding visitors (what bounds this window's memory).
    public var minutesWithVisitors: Int { slots.reduce(0) { $0 + ($1.visitors.isEmpty ? 0 : 1) } }

    /// Minutes at or before this are outside the window.
    private var oldest: Int64 { newest == .min ? .min : newest - Int64(minutes * 60) }

    /// Visitor sketches of minutes at or before this are dropped.
    private var sketchCutoff: Int64 { newest == .min ? .min : newest - Int64(visitorSketchMinutes * 60) }

    /// Empties the slots of minutes an hour or more before the newest, and drops the visitor
    /// sketches of minutes older than `visitorSketchMinutes`.
    private mutating func forgetOldMinutes() {
        let oldest = self.oldest
        let cutoff = sketchCutoff
        for slot in slots.indices where slots[slot].start != .min && slots[slot].start <= cutoff {
            if slots[slot].start <= oldest {
                slots[slot] = Minute()
            } else if !slots[slot].visitors.isEmpty {
                slots[slot].visitors = HyperLogLog(precision: 12, exactLimit: 256)
            }
        }
    }

    /// The minutes with events, oldest slot first.
    private var heldMinutes: some Sequence<Minute> { slots.lazy.filter { $0.start != .min } }

    /// Events in each of the last 60 minutes before `now`, keyed by the minute's start (UTC);
    /// minutes without events are left out.
    public func eventsPerMinute(now: Date) -> [String: Int] {
        let current = RFC3339.intervalStart(now, seconds: 60)
        var result: [String: Int] = [:]
        for bucket in heldMinutes where bucket.start > current - Int64(minutes * 60) && bucket.start <= current {
            result[RFC3339.formatSeconds(Date(timeIntervalSince1970: Double(bucket.start)))] = bucket.events
        }
        return result
    }

    /// Distinct visitors in the last 5 minutes before `now` (this minute included).
    public func currentVisitors(now: Date) -> Int {
        let current = RFC3339.intervalStart(now, seconds: 60)
        var union = HyperLogLog(precision: 12, exactLimit: 256)
        for bucket in heldMinutes
        where bucket.start > current - Int64(currentVisitorMinutes * 60) && bucket.start <= current {
            union.merge(bucket.visitors)
        }
        return union.count
    }
}

extension RealtimeWindow {
    /// Adds another partition's minutes: events add up, visitor sketches merge.
    public mutating func merge(_ other: RealtimeWindow) {
        advance(to: other.newest)
        for theirs in other.heldMinutes { place(theirs) }
    }

    /// Adds a minute counted elsewhere (merged, or read from a partial state).
    private mutating func place(_ minute: Minute) {
        guard let slot = claimSlot(for: minute.start) else { return }
        slots[slot].events += minute.events
        if minute.start > sketchCutoff { slots[slot].visitors.merge(minute.visitors) }
    }

    func write(to writer: inout PartialWriter) {
        writer.sequence(Array(heldMinutes)) { writer, minute in
            writer.int(minute.start)
            writer.int(minute.events)
            minute.visitors.write(to: &writer)
        }
    }

    init(from reader: inout PartialReader) throws(PartialStateError) {
        self.init()
        for _ in 0..<(try reader.count()) {
            let start = try reader.instantSeconds("minute")
            let events = try reader.tally("events in a minute")
            place(Minute(start: start, events: events, visitors: try HyperLogLog(from: &reader)))
        }
    }
}
