import ASCIIText
import Foundation

/// One partition's statistics kept per website, so that one deployment shows each site apart and
/// all of them together.
///
/// Each site named by an event gets its own aggregator, up to `maxSites` (`MAX_SITES`); events of
/// further sites, invalid records and retries go to one `remainder`, so the sum of the views and
/// the remainder is the whole partition and memory stays bounded however many sites send. The
/// partition's session and page budgets are shared out over its sites by their traffic
/// (`shareBudgets`).
public struct SiteViews: Sendable {
    /// The default `DEFAULT_SITE`: the site of a record that names none (written before sites)
    /// or names one this consumer cannot show (another producer's record), unless configured.
    public static let fallbackSite = "default"

    public let configuration: AggregatorConfiguration
    private(set) var views: [String: AnalyticsAggregator] = [:]
    /// Invalid records, retries, and the events of sites beyond `maxSites`.
    private(set) var remainder: AnalyticsAggregator
    /// Events counted only in the remainder because their site came when `maxSites` had views.
    public private(set) var overCapacityEvents = 0
    /// The budgets of the whole partition (its share of `SESSION_CAPACITY` and `PAGE_CAPACITY`),
    /// shared out over its sites.
    public private(set) var sessionBudget: Int
    public private(set) var pageBudget: Int
    /// When the budgets were last shared out by traffic (`expireSessions`).
    private var sharedAt = Date.distantPast
    /// How often the budgets follow the traffic: sharing them on every snapshot let a burst of
    /// one site shrink the others' summaries again and again.
    static let sharingInterval: TimeInterval = 60

    public init(configuration: AggregatorConfiguration) {
        self.configuration = configuration
        remainder = AnalyticsAggregator(configuration: configuration)
        sessionBudget = configuration.sessionCapacity
        pageBudget = configuration.pageCapacity
    }

    /// One site's aggregator as the whole partition (tests, and states of one site).
    public init(site: String, aggregator: AnalyticsAggregator) {
        self.init(configuration: aggregator.configuration)
        views[site] = aggregator
    }

    /// The sites with a view, in no order.
    public var sites: Dictionary<String, AnalyticsAggregator>.Keys { views.keys }

    /// One site's view.
    public func view(of site: String) -> AnalyticsAggregator? { views[site] }

    /// Every site and the remainder merged: the statistics of the whole partition.
    public var total: AnalyticsAggregator {
        // A fresh aggregator with the whole configuration's capacities, not a copy of the
        // remainder: merging the views into the remainder's small page summary cut the top pages.
        var total = AnalyticsAggregator(configuration: configuration)
        total.merge(remainder)
        for view in views.values { total.merge(view) }
        return total
    }

    /// Where `applyToKnownSite` put an event.
    public enum Placement: Sendable, Equatable {
        /// Counted in its site's view.
        case counted
        /// Not counted yet: its site has no view here. The caller decides whether the site gets
        /// one (`place`).
        case newSite(String)
    }

    /// Adds `event` to its site's view, making one if fewer than `maxSites` sites have one here.
    /// Returns false when no room was left: the event then counts only in the totals.
    @discardableResult
    public mutating func apply(_ event: borrowing EventSummary) -> Bool {
        switch applyToKnownSite(event) {
        case .counted: return true
        case .newSite(let site): return place(event, newSite: site, admitted: views.count < configuration.maxSites)
        }
    }

    /// Adds `event` to its site's view when the site has one here; otherwise counts nothing and
    /// names the site, so that a group view can decide for all its partitions alike.
    ///
    /// An event that names no site of its own (the producer's fallback: no `site`, `url` or
    /// `Origin`, such as a server's `session` event) counts for the site whose view holds its
    /// session, when one does: the session's other events say where it happens.
    public mutating func applyToKnownSite(_ event: borrowing EventSummary) -> Placement {
        let fallback = configuration.defaultSite
        var named = event.site ?? fallback
        if named == fallback, event.url == nil, !views.isEmpty, let session = event.sessionID,
            let owner = site(holdingSession: session)
        {
            named = owner
        }
        // In place through the index: `views[site]?.apply` moved the aggregator out and back.
        if let index = views.index(forKey: named) {
            views.values[index].apply(event)
            return .counted
        }
        let site = Self.showable(named) ? named : fallback
        if let index = views.index(forKey: site) {
            views.values[index].apply(event)
            return .counted
        }
        return .newSite(site)
    }

    /// Counts `event` of `site` (which has no view here, as `applyToKnownSite` said): in a new
    /// view when `admitted`, else in the totals only. Returns `admitted`.
    @discardableResult
    public mutating func place(_ event: borrowing EventSummary, newSite site: String, admitted: Bool) -> Bool {
        guard admitted else {
            overCapacityEvents += 1
            remainder.apply(event)
            return false
        }
        // A new site starts with an equal share, so it counts exactly from its first event; the
        // next `expireSessions` shares the budgets out by traffic.
        var view = AnalyticsAggregator(configuration: configuration)
        view.sessionCapacity = GroupView.fillingAHashTable(max(256, sessionBudget / (views.count + 1)))
        view.pageCapacity = max(20, pageBudget / (views.count + 1))
        view.apply(event)
        views[site] = view
        return true
    }

    /// The site other than the fallback whose view holds `session` open.
    private func site(holdingSession session: String) -> String? {
        let hash = HyperLogLog.hash(session)
        let fallback = configuration.defaultSite
        return views.first { $0.key != fallback && $0.value.holdsSession(hash: hash) }?.key
    }

    /// Whether a site a record names can key a view: 1 to 253 printable ASCII bytes, no space
    /// (producers send host names; a record of another producer may hold anything).
    public static func showable(_ site: String) -> Bool {
        let bytes = site.utf8
        return (1...SiteName.maxLength).contains(bytes.count) && bytes.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// Counts a record that was not a valid event: it belongs to no site, so to the remainder.
    public mutating func recordInvalidRecord() { remainder.recordInvalidRecord() }

    /// Counts a retry of an event counted recently, in the remainder (a retry adds to no site).
    public mutating func recordDuplicate() { remainder.recordDuplicate() }

    /// Sets the partition's budgets (its share of `SESSION_CAPACITY` and `PAGE_CAPACITY`) and
    /// shares them out over the sites.
    public mutating func setBudgets(sessions: Int, pages: Int) {
        sessionBudget = sessions
        pageBudget = pages
        shareBudgets()
    }

    /// Each site, and the remainder, gets a share of the partition's budgets in proportion to its
    /// events, never less than a quarter of an equal share (nor 256 sessions and 20 pages), so a
    /// quiet site stays exact while a busy one gets the room it needs. A share never drops below
    /// what a view holds now (sessions open, pages monitored): shrinking a summary throws counts
    /// away, so traffic moving elsewhere frees room only as sessions end. The whole stays within
    /// 1.25 times the budgets plus what views held before a share shrank.
    private mutating func shareBudgets() {
        let events = max(1, views.values.reduce(remainder.totalEvents) { $0 + $1.totalEvents })
        let count = views.count + 1
        let sessionFloor = max(256, sessionBudget / count / 4)
        let pageFloor = max(20, pageBudget / count / 4)
        func share(_ view: inout AnalyticsAggregator) {
            let weight = Double(view.totalEvents) / Double(events)
            view.sessionCapacity = GroupView.fillingAHashTable(
                max(sessionFloor, Int(Double(sessionBudget) * weight), view.openSessionCount))
            view.pageCapacity = max(pageFloor, Int(Double(pageBudget) * weight), view.monitoredPageCount)
        }
        for index in views.indices { share(&views.values[index]) }
        share(&remainder)
    }

    /// Closes sessions idle past the timeout in every view; once a minute, shares the budgets out
    /// again as traffic shifts.
    public mutating func expireSessions(now: Date) {
        for index in views.indices { views.values[index].expireSessions(now: now) }
        remainder.expireSessions(now: now)
        guard now.timeIntervalSince(sharedAt) >= Self.sharingInterval || now < sharedAt else { return }
        sharedAt = now
        shareBudgets()
    }

    /// The share of the partition's session budget `site` has now (tests, `docs/performance.md`).
    public func sessionCapacity(of site: String) -> Int? { views[site]?.sessionCapacity }
}

extension SiteViews {
    func write(to writer: inout PartialWriter) {
        writer.int(overCapacityEvents)
        remainder.write(to: &writer)
        writer.sequence(views.sorted { $0.key < $1.key }) { writer, element in
            writer.string(element.key)
            element.value.write(to: &writer)
        }
    }

    /// Reads the views a member published. Sites beyond this consumer's own `maxSites` (another
    /// member may be configured otherwise) join the remainder and count as over capacity.
    init(configuration: AggregatorConfiguration, from reader: inout PartialReader) throws(PartialStateError) {
        self.init(configuration: configuration)
        overCapacityEvents = try reader.tally("events over the sites capacity")
        remainder = try AnalyticsAggregator(configuration: configuration, from: &reader)
        for _ in 0..<(try reader.count()) {
            let site = try reader.string()
            guard Self.showable(site), views[site] == nil else {
                throw .corrupt("site \(site.utf8.prefix(64).printableASCII)")
            }
            let view = try AnalyticsAggregator(configuration: configuration, from: &reader)
            if views.count < configuration.maxSites {
                views[site] = view
            } else {
                overCapacityEvents += view.totalEvents
                remainder.merge(view)
            }
        }
    }
}
