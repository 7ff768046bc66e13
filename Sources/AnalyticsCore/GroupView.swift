import Foundation

/// The statistics of the whole topic as one member of a consumer group sees them: the partitions
/// it owns, counted live, plus the latest published partial state of every other partition.
///
/// Each partition is counted in exactly one place — owned here, or received from its owner — so
/// the merged numbers neither drop nor double when partitions move: a partition given away keeps
/// its last state until its new owner publishes a newer one, and a partition taken over continues
/// from the freshest state known for it, at that state's offset. It is not thread-safe; the
/// consumer guards it with a lock.
public struct GroupView: Sendable {
    /// What became of one record.
    public enum Outcome: Sendable, Equatable {
        case counted
        /// Counted in the totals only: its site came when `MAX_SITES` sites had views.
        case countedBeyondSites
        /// A retry of an event counted recently (same `id`): only `duplicate_events` grows.
        case duplicate
        /// Not a valid event: only `invalid_records` grows.
        case invalid
        /// Already included in the partition's state (delivered again after a rebalance).
        case alreadyCounted
        /// The partition is not owned here (its records arrived after it was given away).
        case notOwned
    }

    public let topic: String
    /// Its `sessionCapacity` and `pageCapacity` are budgets for the whole view, shared out over
    /// the partitions (see `shareBudgets`).
    public let configuration: AggregatorConfiguration
    private var owned: [Int32: PartialState] = [:]
    private var others: [Int32: PartialState] = [:]
    /// Owned partitions changed since they were last handed out for publishing.
    private var changed: Set<Int32> = []
    /// How many partition states (owned and received) hold a view of each site: the sites this
    /// member shows. A site with a view anywhere gets one in every partition that sees it, and a
    /// new site gets views only while fewer than `maxSites` sites have one, so every partition
    /// admits the same sites and each shown site is whole.
    private var siteHolders: [String: Int] = [:]
    /// Grows whenever a site view is added or a received state replaced: readers that keep a copy
    /// of the site names (`sites`) know when to refresh it.
    public private(set) var sitesChanged: UInt64 = 0
    /// One deduplication window for all partitions of this process (retries of an event carry its
    /// session id as key, so they arrive on the same partition).
    private var recentIDs: RecentIDs

    public init(topic: String, configuration: AggregatorConfiguration) {
        self.topic = topic
        self.configuration = configuration
        recentIDs = RecentIDs(capacity: configuration.deduplicationWindow)
    }

    private var partitionConfiguration: AggregatorConfiguration {
        var partition = configuration
        partition.deduplicationWindow = 0
        return partition
    }

    /// Takes ownership of `partition`, continuing from the freshest state known for it. Returns
    /// the offset to read from, or nil when nothing is known (the caller picks where to start).
    public mutating func adopt(_ partition: Int32, now: Date = Date()) -> Int64? {
        if let state = owned[partition] { return state.nextOffset }
        defer { shareBudgets() }
        if let state = others.removeValue(forKey: partition) {
            owned[partition] = state
            changed.insert(partition)
            return state.nextOffset
        }
        owned[partition] = PartialState(
            topic: topic, partition: partition, nextOffset: 0, takenAt: now,
            sites: SiteViews(configuration: partitionConfiguration))
        changed.insert(partition)
        return nil
    }

    /// Counts the record at `offset` of `partition`: `event` is nil for a record that is not a
    /// valid event.
    @discardableResult
    public mutating func apply(_ event: borrowing EventSummary?, partition: Int32, offset: Int64) -> Outcome {
        // Mutated in place through its index: `owned[partition]?.count(...)` moved the whole state
        // out and back for every event, retaining and releasing each of its sketches.
        guard let index = owned.index(forKey: partition) else { return .notOwned }
        var outcome: Outcome
        switch owned.values[index].count(event, offset: offset, recentIDs: &recentIDs) {
        case .done(let done): outcome = done
        case .newSite(let site):
            // A site new to this partition: admitted when another partition shows it already,
            // when it has a token of its own, or while fewer than MAX_SITES sites are shown.
            let admitted =
                siteHolders[site] != nil || configuration.reservedSites.contains(site)
                || siteHolders.count < configuration.maxSites
            switch event {
            case .some(let event):
                owned.values[index].sites.place(event, newSite: site, admitted: admitted)
                if admitted {
                    siteHolders[site, default: 0] += 1
                    sitesChanged &+= 1
                }
                outcome = admitted ? .counted : .countedBeyondSites
            case .none:
                // Only a valid event has a site: an invalid record never asks.
                outcome = .invalid
            }
        }
        if outcome != .alreadyCounted { changed.insert(partition) }
        return outcome
    }

    /// Gives `partitions` away. Their states stay in the view (until their new owner publishes
    /// newer ones) and are returned, to be published as the hand-over checkpoint.
    public mutating func release(_ partitions: [Int32], now: Date = Date()) -> [PartialState] {
        var released: [PartialState] = []
        for partition in partitions {
            guard var state = owned.removeValue(forKey: partition) else { continue }
            changed.remove(partition)
            state.takenAt = now
            others[partition] = state
            released.append(state)
        }
        return released
    }

    /// A state published on the partials topic (by any member, this one included). It replaces
    /// what the view holds for a partition not owned here, unless it is older. Returns whether it
    /// was taken.
    @discardableResult
    public mutating func receive(_ state: PartialState) -> Bool {
        guard state.topic == topic, owned[state.partition] == nil else { return false }
        if let current = others[state.partition], current.nextOffset > state.nextOffset { return false }
        let known = others.count
        if let current = others[state.partition] { forgetSites(of: current) }
        countSites(of: state)
        others[state.partition] = state
        sitesChanged &+= 1
        if others.count != known { shareBudgets() }
        return true
    }

    private mutating func countSites(of state: PartialState) {
        for site in state.sites.sites { siteHolders[site, default: 0] += 1 }
    }

    private mutating func forgetSites(of state: PartialState) {
        for site in state.sites.sites {
            guard let holders = siteHolders[site] else { continue }
            siteHolders[site] = holders > 1 ? holders - 1 : nil
        }
    }

    /// The most entries up to `count` that a Swift hash table holds without the next doubling
    /// (it grows past three quarters of a power of two): a share of 3,125 sessions would take a
    /// table of 8,192 slots, 3,072 fit in 4,096 — half the memory for 2% fewer sessions.
    static func fillingAHashTable(_ count: Int) -> Int {
        var slots = 4
        while slots * 2 * 3 / 4 <= count { slots *= 2 }
        return slots * 3 / 4
    }

    /// Every partition of the topic gets an equal share of `sessionCapacity` (at least 1,000) and
    /// of `pageCapacity` (at least 100), so the whole view — owned partitions and received ones,
    /// each held to its share by its owner — stays within the budgets however many partitions
    /// the topic has. Shares shrink as partitions become known.
    private mutating func shareBudgets() {
        let partitions = max(1, owned.count + others.count)
        let sessions = Self.fillingAHashTable(max(1_000, configuration.sessionCapacity / partitions))
        let pages = max(100, configuration.pageCapacity / partitions)
        for index in owned.indices { owned.values[index].sites.setBudgets(sessions: sessions, pages: pages) }
    }

    /// The owned partitions changed since the last call (all of them when `all`), in order: whose
    /// states to publish, each with `encodedState`.
    public mutating func partitionsToPublish(all: Bool = false) -> [Int32] {
        let partitions = all ? Set(owned.keys) : changed
        changed.removeAll(keepingCapacity: true)
        return partitions.sorted()
    }

    /// An owned partition's state stamped `now`, encoded for publishing; nil when not owned.
    ///
    /// Encoded here rather than returned: a copy of a state shares its storage (sessions,
    /// sketches) with the live one until either changes, so a copy still held when the next event
    /// of that partition is counted makes the counting side copy all of it.
    public func encodedState(of partition: Int32, now: Date) -> [UInt8]? {
        guard var state = owned[partition] else { return nil }
        state.takenAt = now
        return state.encoded()
    }

    public func owns(_ partition: Int32) -> Bool { owned[partition] != nil }

    /// Partitions owned here, in order.
    public var ownedPartitions: [Int32] { owned.keys.sorted() }

    /// Partitions known only from other members' partial states, in order.
    public var receivedPartitions: [Int32] { others.keys.sorted() }

    /// The state of one partition, owned or received.
    public func state(of partition: Int32) -> PartialState? { owned[partition] ?? others[partition] }

    /// Closes sessions idle past the timeout in the owned partitions.
    public mutating func expireSessions(now: Date) {
        // In place through the index, as in `apply`: `owned[partition]?...` held a second
        // reference to the state while it changed, so its session table was copied whole.
        for index in owned.indices { owned.values[index].sites.expireSessions(now: now) }
    }

    /// Which partitions the view covers, and how old the oldest received state is at `now`.
    public func coverage(now: Date) -> StatsSnapshot.PartitionCoverage {
        let oldest = others.values.map(\.takenAt).min()
        return StatsSnapshot.PartitionCoverage(
            owned: ownedPartitions, fromPartials: receivedPartitions,
            oldestPartialAgeSeconds: oldest.map { max(0, now.timeIntervalSince($0)) })
    }

    /// Every partition's state merged: the statistics of the whole topic, every site.
    public func merged() -> AnalyticsAggregator {
        var total = AnalyticsAggregator(configuration: partitionConfiguration)
        for state in owned.values { total.merge(state.sites.total) }
        for state in others.values { total.merge(state.sites.total) }
        return total
    }

    /// One site's views of every partition merged; nil when no partition has a view of it.
    public func merged(site: String) -> AnalyticsAggregator? {
        var total: AnalyticsAggregator?
        for states in [owned, others] {
            for state in states.values {
                guard let view = state.sites.view(of: site) else { continue }
                if total == nil { total = AnalyticsAggregator(configuration: partitionConfiguration) }
                total?.merge(view)
            }
        }
        return total
    }

    /// Whether some partition has a view of `site`.
    public func hasSite(_ site: String) -> Bool { siteHolders[site] != nil }

    /// Every site with a view in some partition, in order.
    public var sites: [String] { siteHolders.keys.sorted() }

    /// Site views held, one per site per partition (what memory per site is counted in).
    public var siteViewCount: Int {
        owned.values.reduce(0) { $0 + $1.sites.sites.count } + others.values.reduce(0) { $0 + $1.sites.sites.count }
    }

    /// Events of every partition counted only in the totals because `MAX_SITES` sites had views.
    public var overCapacityEvents: Int {
        owned.values.reduce(0) { $0 + $1.sites.overCapacityEvents }
            + others.values.reduce(0) { $0 + $1.sites.overCapacityEvents }
    }
}

/// What counting a record in a partition's state came to.
private enum Counting {
    case done(GroupView.Outcome)
    /// Not counted yet: the event's site has no view in the partition; the group view decides.
    case newSite(String)
}

extension PartialState {
    /// Counts one record into the state, in place.
    fileprivate mutating func count(_ event: borrowing EventSummary?, offset: Int64, recentIDs: inout RecentIDs)
        -> Counting
    {
        guard offset >= nextOffset else { return .done(.alreadyCounted) }
        nextOffset = offset + 1
        // Matched in place: binding the event (`guard let`) copied it, a retain and a release
        // per string, for every record.
        switch event {
        case .none:
            sites.recordInvalidRecord()
            return .done(.invalid)
        case .some(let event):
            guard recentIDs.insert(hash: event.idHash) else {
                sites.recordDuplicate()
                return .done(.duplicate)
            }
            switch sites.applyToKnownSite(event) {
            case .counted: return .done(.counted)
            case .newSite(let site): return .newSite(site)
            }
        }
    }
}
