import AnalyticsCore
import Foundation
import Synchronization

/// The group view shared by the consume loop (writer), the partials exchange and the stats
/// printer and HTTP endpoints (readers), behind one lock. Readers copy the view under the lock
/// and merge and render outside it, so the consume loop waits only for the copy.
final class LiveStatistics: Sendable {
    private let view: Mutex<GroupView>
    private let changes = Atomic<UInt64>(0)
    /// The sites with a view, copied out of the view when they change: the stats server's loop
    /// asks whether a site is known without waiting for the lock the consume loop holds.
    private let knownSites = Mutex<(names: Set<String>, version: UInt64)>(([], 0))

    /// Grows whenever the view changes (records applied, partial states received): readers that
    /// follow the figures live compare it instead of computing a snapshot to find out.
    var changeCount: UInt64 { changes.load(ordering: .acquiring) }

    init(topic: String, configuration: AggregatorConfiguration) {
        view = Mutex(GroupView(topic: topic, configuration: configuration))
    }

    /// See `GroupView.adopt`.
    func adopt(_ partition: Int32) -> Int64? {
        view.withLock { $0.adopt(partition) }
    }

    /// One record to count: what the statistics read of its event, or nil when it is not a valid
    /// event.
    struct Record: Sendable {
        var event: EventSummary?
        var partition: Int32
        var offset: Int64
    }

    /// Applies a batch of records under one lock; one outcome per record, in order. The records
    /// come back as they were (their events are freed by the caller).
    func apply(_ records: inout [Record]) -> [GroupView.Outcome] {
        defer { changes.add(1, ordering: .releasing) }
        return view.withLock { view in
            var outcomes: [GroupView.Outcome] = []
            outcomes.reserveCapacity(records.count)
            for index in records.indices {
                // Each event is moved out for the call and back after it: read in place from the
                // array, the record was copied (a retain and a release per string of the event).
                let event = records[index].event.take()
                outcomes.append(view.apply(event, partition: records[index].partition, offset: records[index].offset))
                records[index].event = consume event
            }
            publishSites(of: view)
            return outcomes
        }
    }

    /// See `GroupView.release`.
    func release(_ partitions: [Int32]) -> [PartialState] {
        view.withLock { $0.release(partitions) }
    }

    @discardableResult
    func receive(_ state: PartialState) -> Bool {
        defer { changes.add(1, ordering: .releasing) }
        return view.withLock { view in
            let taken = view.receive(state)
            publishSites(of: view)
            return taken
        }
    }

    /// See `GroupView.partitionsToPublish`.
    func partitionsToPublish(all: Bool) -> [Int32] {
        view.withLock { $0.partitionsToPublish(all: all) }
    }

    /// An owned partition's state, encoded under the lock (`GroupView.encodedState`): encoding
    /// copies taken out of the lock made the applying thread copy each partition's sessions and
    /// sketches as it counted the partition's next event.
    func encodedState(of partition: Int32, now: Date) -> [UInt8]? {
        view.withLock { $0.encodedState(of: partition, now: now) }
    }

    func owns(_ partition: Int32) -> Bool {
        view.withLock { $0.owns(partition) }
    }

    var configuration: AggregatorConfiguration { view.withLock { $0.configuration } }

    /// Partitions counted here and partitions known from other members' partial states.
    var partitions: (owned: [Int32], received: [Int32]) {
        view.withLock { ($0.ownedPartitions, $0.receivedPartitions) }
    }

    /// The statistics of the whole topic as of `now`, idle sessions expired: every site together.
    func snapshot(now: Date = Date()) -> StatsSnapshot {
        view.withLock { view in
            view.expireSessions(now: now)
            // Merged and summed up under the lock: a copy of the view taken out of it shares its
            // storage with the live states, so each partition the applying thread counted into
            // while the copy was alive was copied whole (sessions, sketches), for every
            // /analytics request and printed summary. Sessions idle past the timeout in received
            // partitions count as completed in the snapshot without being removed.
            var snapshot = view.merged().snapshot(now: now)
            snapshot.sitesOverCapacity = view.overCapacityEvents
            snapshot.partitions = view.coverage(now: now)
            return snapshot
        }
    }

    /// One site's statistics as of `now`; nil when no partition has a view of it.
    func snapshot(site: String, now: Date = Date()) -> StatsSnapshot? {
        view.withLock { view in
            view.expireSessions(now: now)
            guard var snapshot = view.merged(site: site)?.snapshot(now: now) else { return nil }
            snapshot.site = site
            snapshot.partitions = view.coverage(now: now)
            return snapshot
        }
    }

    /// Every site with a view, most visitors first (`GET /api/sites`, the summary's *Sites*).
    func sites(now: Date = Date()) -> [SiteSummary] {
        view.withLock { view in
            view.expireSessions(now: now)
            return view.sites.compactMap { site in
                view.merged(site: site).map { SiteSummary(site: site, snapshot: $0.snapshot(now: now)) }
            }.sorted(by: SiteSummary.ranksAbove)
        }
    }

    /// Site views held, one per site per partition.
    var siteViewCount: Int { view.withLock { $0.siteViewCount } }

    /// Whether some partition has a view of `site`; answered without the view's lock.
    func hasSite(_ site: String) -> Bool {
        knownSites.withLock { $0.names.contains(site) }
    }

    /// Copies the view's site names out when they changed (called under the view's lock).
    private func publishSites(of view: GroupView) {
        let version = view.sitesChanged
        guard knownSites.withLock({ $0.version != version }) else { return }
        let names = Set(view.sites)
        knownSites.withLock { $0 = (names, version) }
    }
}
