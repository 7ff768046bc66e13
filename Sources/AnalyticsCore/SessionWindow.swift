import Foundation

/// Sessions: which are active (seen within the inactivity timeout, 30 minutes by default) and
/// what they add up to — sessions started, bounce rate, duration, pages per session, entry and
/// exit pages.
///
/// It exists because "active sessions" must fall by the clock even when no events arrive: each
/// session remembers when it was first and last seen, and `expire(now:)` closes those idle too
/// long, adding them to the totals. Memory is bounded by `capacity` open sessions whatever the
/// traffic: when it is full, sessions idle for longer than the timeout before the newest event
/// are closed (a replay of history closes sessions as its events move on), then, if that is not
/// enough, the least recently seen eighth (`closedEarly`; such a session seen again counts as a
/// new one). Entry and exit pages are two Space-Saving summaries. Sessions are held by a 64-bit
/// hash of their id (8 bytes instead of a 36-character string; two ids colliding is a
/// one-in-10^7 event among a million open sessions).
public struct SessionWindow: Sendable {
    /// 32 bytes, so a table slot with its key is 40 instead of 48: the budget's sessions are a
    /// quarter of the consumer's memory. The first time is kept whole, the last as seconds after
    /// it in 32 bits (within milliseconds for a day-long session), page views in 32 bits.
    private struct Session: Sendable {
        private var firstSeconds: Double
        private var seconds: Float = 0
        private var views: UInt32 = 0
        var exitPage: String?

        init(first: Date, last: Date, pageViews: Int = 0, exitPage: String? = nil) {
            firstSeconds = first.timeIntervalSinceReferenceDate
            self.last = last
            self.pageViews = pageViews
            self.exitPage = exitPage
        }

        var first: Date {
            get { Date(timeIntervalSinceReferenceDate: firstSeconds) }
            set {
                let last = self.last
                firstSeconds = newValue.timeIntervalSinceReferenceDate
                self.last = last
            }
        }

        var last: Date {
            get { Date(timeIntervalSinceReferenceDate: firstSeconds + Double(seconds)) }
            set { seconds = Float(max(0, newValue.timeIntervalSinceReferenceDate - firstSeconds)) }
        }

        var pageViews: Int {
            get { Int(views) }
            set { views = UInt32(clamping: newValue) }
        }
    }

    /// Bytes of one open session in its table slot, key included.
    static var sessionSlotBytes: Int { MemoryLayout<UInt64>.stride + MemoryLayout<Session>.stride }

    private struct Totals: Sendable {
        var sessions = 0
        var duration: TimeInterval = 0
        var pageViews = 0
        var bounces = 0
    }

    public let timeout: TimeInterval
    /// Open sessions held at most (at least 8); changed by the owner as its share of a budget moves.
    public var capacity: Int {
        didSet { capacity = max(8, capacity) }
    }
    private var sessions: [UInt64: Session] = [:]
    /// The open sessions of windows merged into this one, kept as they are (shared storage, no
    /// copy): a merged view is only read, and a session lives in one partition.
    private var mergedOpen: [[UInt64: Session]] = []
    private var closed = Totals()
    public private(set) var started = 0
    /// Sessions closed before their timeout because `capacity` sessions were open.
    public private(set) var closedEarly = 0
    /// The newest event time seen.
    private var newest = Date.distantPast
    private var entryPages = SpaceSaving<String, Int>(capacity: 200)
    private var exitPages = SpaceSaving<String, Int>(capacity: 200)

    public init(timeout: TimeInterval = 30 * 60, capacity: Int = 1_000_000) {
        self.timeout = timeout
        self.capacity = max(8, capacity)
    }

    /// Whether the session whose id hashes to `hash` (`HyperLogLog.hash`) is open here.
    func holds(sessionHash hash: UInt64) -> Bool { sessions[hash] != nil }

    /// Sessions open now.
    public var openCount: Int { mergedOpen.reduce(sessions.count) { $0 + $1.count } }

    /// Every open session, this window's and merged ones'.
    private var openSessions: FlattenSequence<[Dictionary<UInt64, Session>.Values]> {
        ([sessions] + mergedOpen).map(\.values).joined()
    }

    /// Records activity for `session` at `time`; `page` is the path of a page view. A session idle
    /// for longer than the timeout is closed and a new one starts.
    public mutating func touch(_ id: String, at time: Date, page: String? = nil) {
        let session = HyperLogLog.hash(id)
        if time > newest { newest = time }
        // An open session is changed in place through its index: one hash table lookup per event.
        if let index = sessions.index(forKey: session) {
            if time.timeIntervalSince(sessions.values[index].last) <= timeout {
                if Self.record(&sessions.values[index], at: time, page: page), let page { countEntry(page) }
                return
            }
            close(sessions.values[index])
            sessions.remove(at: index)
        }
        if sessions.count >= capacity { makeRoom() }
        started += 1
        var current = Session(first: time, last: time)
        if Self.record(&current, at: time, page: page), let page { countEntry(page) }
        sessions[session] = current
    }

    /// Adds activity at `time` to `session`; returns whether `page` is its first page view (its
    /// entry page). A late event (one older than the session's last) changes neither its last
    /// time nor its exit page. The entry page is the first page view to arrive: it is counted at
    /// once.
    private static func record(_ session: inout Session, at time: Date, page: String?) -> Bool {
        let isLatest = time >= session.last
        session.first = min(session.first, time)
        session.last = max(session.last, time)
        guard let page else { return false }
        session.pageViews += 1
        if isLatest { session.exitPage = page }
        return session.pageViews == 1
    }

    private mutating func countEntry(_ page: String) {
        entryPages.add(page, make: { 0 }, update: { $0 += 1 })
    }

    /// Closes sessions not seen for longer than the timeout before `now`.
    public mutating func expire(now: Date) {
        let cutoff = now.addingTimeInterval(-timeout)
        var expiring = 0
        for session in sessions.values where session.last <= cutoff { expiring += 1 }
        guard expiring > 0 else { return }
        guard expiring < sessions.count else {
            // All of them (a quiet site, the first snapshot after a replay): `filter` would return
            // the table itself, and the first removal would then copy it whole, one more session
            // table per partition at once (+10 MB peak RSS on the first /analytics after 1,000,000
            // old events).
            for session in sessions.values { close(session) }
            sessions.removeAll(keepingCapacity: true)
            return
        }
        closeAll(sessions.filter { $0.value.last <= cutoff })
    }

    /// Closes `expired` and removes them. They are gathered first: removing entries while
    /// iterating the dictionary would copy all of it.
    private mutating func closeAll(_ expired: [UInt64: Session]) {
        for (id, session) in expired {
            close(session)
            sessions[id] = nil
        }
    }

    /// Closes the sessions idle for longer than the timeout before the newest event; if fewer than
    /// an eighth of `capacity` go, also the least recently seen, down to seven eighths. Selecting
    /// the cutoff once per eighth of `capacity` new sessions costs O(1) per session on average.
    private mutating func makeRoom() {
        expire(now: newest)
        let target = capacity - capacity / 8
        guard sessions.count > target else { return }
        let lastSeen = sessions.values.map(\.last.timeIntervalSinceReferenceDate)
        guard let cutoff = KthSmallest.of(lastSeen, sessions.count - target - 1) else { return }
        let evicted = sessions.filter { $0.value.last.timeIntervalSinceReferenceDate <= cutoff }
        closedEarly += evicted.count
        closeAll(evicted)
    }

    private mutating func close(_ session: Session) {
        closed.sessions += 1
        closed.duration += session.last.timeIntervalSince(session.first)
        closed.pageViews += session.pageViews
        if session.pageViews <= 1 { closed.bounces += 1 }
        if let exit = session.exitPage { exitPages.add(exit, make: { 0 }, update: { $0 += 1 }) }
    }

    /// Sessions seen within the timeout before `now`.
    public func activeCount(now: Date) -> Int {
        let cutoff = now.addingTimeInterval(-timeout)
        return openSessions.reduce(0) { $0 + ($1.last > cutoff ? 1 : 0) }
    }

    /// Totals over closed and open sessions as of `now` (a session idle past the timeout counts as
    /// completed, with its exit page, whether or not `expire` has run); entry and exit pages by
    /// sessions, top `limit`.
    public func metrics(now: Date, limit: Int = 10) -> StatsSnapshot.SessionMetrics {
        let cutoff = now.addingTimeInterval(-timeout)
        var totals = closed
        var completed = closed.sessions
        var exits = exitPages
        for session in openSessions {
            totals.sessions += 1
            totals.duration += session.last.timeIntervalSince(session.first)
            totals.pageViews += session.pageViews
            if session.pageViews <= 1 { totals.bounces += 1 }
            if session.last <= cutoff {
                completed += 1
                if let exit = session.exitPage { exits.add(exit, make: { 0 }, update: { $0 += 1 }) }
            }
        }
        let count = Double(max(totals.sessions, 1))
        return StatsSnapshot.SessionMetrics(
            sessionsStarted: started,
            completedSessions: completed,
            closedEarly: closedEarly,
            bounceRate: totals.sessions > 0 ? Double(totals.bounces) / count : 0,
            averageDurationSeconds: totals.sessions > 0 ? totals.duration / count : 0,
            pagesPerSession: totals.sessions > 0 ? Double(totals.pageViews) / count : 0,
            entryPages: Dictionary(uniqueKeysWithValues: entryPages.top(limit, by: <).map { ($0.key, $0.count) }),
            exitPages: Dictionary(uniqueKeysWithValues: exits.top(limit, by: <).map { ($0.key, $0.count) }))
    }
}

extension SessionWindow {
    /// Adds the sessions of another partition, for a merged view that is only read (a merged
    /// window is not touched). Events are keyed by session id, so a session lives in one
    /// partition: the other's open sessions are kept by reference, not copied or joined (after
    /// the topic's partition count grows, a session straddling the change counts twice).
    public mutating func merge(_ other: SessionWindow) {
        if !other.sessions.isEmpty { mergedOpen.append(other.sessions) }
        mergedOpen += other.mergedOpen
        closed.sessions += other.closed.sessions
        closed.duration += other.closed.duration
        closed.pageViews += other.closed.pageViews
        closed.bounces += other.closed.bounces
        started += other.started
        closedEarly += other.closedEarly
        if other.newest > newest { newest = other.newest }
        entryPages.merge(other.entryPages) { _, _ in }
        exitPages.merge(other.exitPages) { _, _ in }
    }

    func write(to writer: inout PartialWriter) {
        var all = sessions
        for part in mergedOpen { all.merge(part) { mine, _ in mine } }
        writer.sequence(all) { writer, element in
            writer.unsigned(element.key)
            writer.double(element.value.first.timeIntervalSince1970)
            writer.double(element.value.last.timeIntervalSince1970)
            writer.int(element.value.pageViews)
            writer.optionalString(element.value.exitPage)
        }
        writer.int(closed.sessions)
        writer.double(closed.duration)
        writer.int(closed.pageViews)
        writer.int(closed.bounces)
        writer.int(started)
        writer.int(closedEarly)
        entryPages.write(to: &writer)
        exitPages.write(to: &writer)
    }

    init(timeout: TimeInterval, capacity: Int, from reader: inout PartialReader) throws(PartialStateError) {
        self.init(timeout: timeout, capacity: capacity)
        let total = try reader.count()
        sessions.reserveCapacity(total)
        for _ in 0..<total {
            let id = try reader.unsigned()
            let first = try reader.instant("session start")
            let last = try reader.instant("session end")
            guard first <= last else { throw .corrupt("session ends before it starts") }
            let session = Session(
                first: Date(timeIntervalSince1970: first), last: Date(timeIntervalSince1970: last),
                pageViews: try reader.tally("session page views"), exitPage: try reader.optionalString())
            sessions[id] = session
            if session.last > newest { newest = session.last }
        }
        let closedSessions = try reader.tally("closed sessions")
        let longest = PartialReader.instants.upperBound - PartialReader.instants.lowerBound
        closed = Totals(
            sessions: closedSessions,
            duration: try reader.total("session duration", of: closedSessions, each: longest),
            pageViews: try reader.tally("session page views"), bounces: try reader.tally("bounces"))
        guard closed.bounces <= closed.sessions else { throw .corrupt("more bounces than sessions") }
        started = try reader.tally("sessions started")
        closedEarly = try reader.tally("sessions closed early")
        entryPages = try SpaceSaving(capacity: entryPages.capacity, from: &reader)
        exitPages = try SpaceSaving(capacity: exitPages.capacity, from: &reader)
    }
}
