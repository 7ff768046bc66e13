import Foundation

/// The live statistics of the consumer (design §5), updated one event at a time.
///
/// It is a value type with no clock of its own: callers pass `now` so that session expiry and
/// snapshots are exact in tests. It is not thread-safe; the consumer guards it with a lock.
public struct AnalyticsAggregator: Sendable {
    /// What is kept per monitored page besides its view count: the latest URL and its visitors
    /// (exact up to 64, then a 1 KiB HyperLogLog, 3.25% standard error).
    private struct PageEntry: Sendable {
        var url: String
        var visitors = HyperLogLog(precision: 10, exactLimit: 64)
    }

    public let configuration: AggregatorConfiguration
    public private(set) var totalEvents = 0
    public private(set) var invalidRecords = 0
    public private(set) var duplicateEvents = 0
    /// Events from bots and headless browsers (`BotUserAgents`), left out of everything else.
    public private(set) var botEvents = 0
    private var recentIDs: RecentIDs?
    /// Event types and traffic sources: exact while fewer than `keyCapacity` distinct names, then
    /// Space-Saving (custom event names and referrer hosts are open-ended).
    private var eventsByType: SpaceSaving<String, Int>
    /// Distinct visitors: exact up to 2,048, then HyperLogLog (0.81% standard error, 16 KiB).
    private var users = HyperLogLog()
    private var sessions: SessionWindow
    /// Top pages by views: exact while fewer than `pageCapacity` distinct pages, then Space-Saving
    /// (a view count overestimates by at most page views / `pageCapacity`).
    private var pages: SpaceSaving<String, PageEntry>
    private var sources: SpaceSaving<String, Int>
    /// Page views by campaign (`utm_campaign` with its source and medium), Space-Saving like
    /// sources, each with its visitors.
    private var campaigns: SpaceSaving<String, CampaignEntry>
    private var devices: [String: Int] = [:]
    private var browsers: [String: Int] = [:]
    /// Page views and visitors by country code (`unknown` without one): at most 26 × 26 codes, so
    /// a map is bounded.
    private var countries: [String: CountryEntry] = [:]
    /// Page views by operating system (`UserAgentClassifier.operatingSystem`: a closed set).
    private var operatingSystems: [String: Int] = [:]
    private var agents = UserAgentCache()
    private var hourly: [Int64: Int] = [:]
    private var realtime = RealtimeWindow()
    /// Page-load times: exact average; median and p95 within 1% (DDSketch). A time outside
    /// the range the producer accepts (a record another producer wrote) is left out.
    private var loadTimes = QuantileSketch(
        relativeAccuracy: 0.01, maximum: EventLimits().loadTimeMilliseconds.upperBound)

    /// A country's page views and visitors (exact up to 64, then a 1 KiB HyperLogLog).
    private struct CountryEntry: Sendable {
        var views = 0
        var visitors = HyperLogLog(precision: 10, exactLimit: 64)

        mutating func count(_ visitor: UInt64?) {
            views += 1
            if let visitor { visitors.insert(hash: visitor) }
        }
    }

    /// Rows of `top_countries`, most visitors first (`country_stats` has them all).
    public static let topCountriesLimit = 50

    /// A campaign's tags and visitors (exact up to 64, then a 1 KiB HyperLogLog).
    private struct CampaignEntry: Sendable {
        var name: String
        var source: String?
        var medium: String?
        var visitors = HyperLogLog(precision: 10, exactLimit: 64)
    }

    public init(configuration: AggregatorConfiguration = AggregatorConfiguration()) {
        self.configuration = configuration
        self.sessions = SessionWindow(timeout: configuration.sessionTimeout, capacity: configuration.sessionCapacity)
        self.recentIDs =
            configuration.deduplicationWindow > 0 ? RecentIDs(capacity: configuration.deduplicationWindow) : nil
        self.eventsByType = SpaceSaving(capacity: configuration.keyCapacity)
        self.sources = SpaceSaving(capacity: configuration.keyCapacity)
        self.campaigns = SpaceSaving(capacity: configuration.keyCapacity)
        self.pages = SpaceSaving(capacity: max(configuration.pageCapacity, configuration.topPagesLimit))
    }

    /// Adds one event, unless an event with the same `id` was applied within the deduplication
    /// window (a client retry), which is only counted in `duplicate_events`. Its server
    /// `timestamp` places it in time (`receivedAt`, when the caller already parsed it); its page
    /// load time is `metadata.load_time` (`loadTime`, when the caller read it apart). Returns
    /// whether the event was counted.
    @discardableResult
    public mutating func apply(_ event: AnalyticsEvent, receivedAt: Date? = nil, loadTime: Double? = nil)
        -> Bool
    {
        apply(EventSummary(event, receivedAt: receivedAt, loadTime: loadTime))
    }

    /// `apply` for what the consumer decodes of a record (`EventCodec.decodeSummary`).
    @discardableResult
    public mutating func apply(_ event: borrowing EventSummary) -> Bool {
        if recentIDs?.insert(hash: event.idHash) == false {
            duplicateEvents += 1
            return false
        }
        let time = event.receivedAt
        totalEvents += 1
        if event.isBot {
            botEvents += 1
            if !configuration.countBots { return true }
        }
        eventsByType.add(event.type, make: { 0 }, update: { _ in })
        // Hashed once, by the decoder, for the three sketches that count visitors.
        let visitor = event.visitorHash
        if let visitor { users.insert(hash: visitor) }
        realtime.add(at: time, visitorHash: visitor)
        // A page view's path, worked out once (from the URL when the event has none).
        let pagePath =
            event.type == "page_view" ? (event.path ?? event.url.flatMap(EventEnricher.path(of:)) ?? "/") : nil
        if let session = event.sessionID, !session.isEmpty {
            sessions.touch(session, at: time, page: pagePath)
        }
        if let loadTime = event.loadTime { loadTimes.add(loadTime) }
        guard let path = pagePath else { return true }
        pages.add(path, make: { PageEntry(url: event.url ?? path) }) { page in
            // Compared first: storing the same URL again retained the event's string and released
            // the stored one, atomically, on strings the decoding thread had just made.
            if let url = event.url, url != page.url { page.url = url }
            if let visitor { page.visitors.insert(hash: visitor) }
        }
        let campaign = Campaign(url: event.url)
        sources.add(campaign?.source ?? TrafficSource.name(forReferrer: event.referrer), make: { 0 }, update: { _ in })
        if let campaign, let name = campaign.name {
            let key = [name, campaign.source ?? "", campaign.medium ?? ""].joined(separator: "\u{1F}")
            campaigns.add(key, make: { CampaignEntry(name: name, source: campaign.source, medium: campaign.medium) }) {
                entry in
                if let visitor { entry.visitors.insert(hash: visitor) }
            }
        }
        let agent = agents.classify(event.userAgent)
        devices[agent.device, default: 0] += 1
        browsers[agent.browser, default: 0] += 1
        operatingSystems[agent.operatingSystem, default: 0] += 1
        countries[event.country?.description ?? "unknown", default: CountryEntry()].count(visitor)
        hourly[RFC3339.hourStart(time), default: 0] += 1
        trimHourly()
        return true
    }

    private mutating func trimHourly() {
        guard hourly.count > configuration.hourlyWindow * 2 else { return }
        let keep = Set(hourly.keys.sorted().suffix(configuration.hourlyWindow))
        hourly = hourly.filter { keep.contains($0.key) }
    }

    /// Adds the statistics of another share of the stream (another partition's partial state):
    /// counts add up, sketches merge. Merging the partials of every partition gives the statistics
    /// of the whole topic — exact counts exactly, sketches within their stated error.
    public mutating func merge(_ other: AnalyticsAggregator) {
        totalEvents += other.totalEvents
        invalidRecords += other.invalidRecords
        duplicateEvents += other.duplicateEvents
        botEvents += other.botEvents
        eventsByType.merge(other.eventsByType) { _, _ in }
        users.merge(other.users)
        sessions.merge(other.sessions)
        pages.merge(other.pages) { mine, theirs in mine.visitors.merge(theirs.visitors) }
        sources.merge(other.sources) { _, _ in }
        campaigns.merge(other.campaigns) { mine, theirs in mine.visitors.merge(theirs.visitors) }
        devices.merge(other.devices, uniquingKeysWith: +)
        browsers.merge(other.browsers, uniquingKeysWith: +)
        operatingSystems.merge(other.operatingSystems, uniquingKeysWith: +)
        countries.merge(other.countries) { mine, theirs in
            var both = mine
            both.views += theirs.views
            both.visitors.merge(theirs.visitors)
            return both
        }
        hourly.merge(other.hourly, uniquingKeysWith: +)
        trimHourly()
        realtime.merge(other.realtime)
        loadTimes.merge(other.loadTimes)
    }

    /// Counts a record that was not a valid event.
    public mutating func recordInvalidRecord() {
        invalidRecords += 1
    }

    /// Counts an event recognised as a retry by the caller's own deduplication window.
    public mutating func recordDuplicate() {
        duplicateEvents += 1
    }

    /// Open sessions this aggregator may hold; a consumer group member gives each partition its
    /// share of `sessionCapacity`.
    public var sessionCapacity: Int {
        get { sessions.capacity }
        set { sessions.capacity = newValue }
    }

    /// Pages this aggregator monitors (never fewer than `topPagesLimit`); a consumer group member
    /// gives each partition its share of `pageCapacity`.
    public var pageCapacity: Int {
        get { pages.capacity }
        set { pages.resize(to: max(newValue, configuration.topPagesLimit)) }
    }

    /// Sessions open now (what a smaller session budget would close).
    var openSessionCount: Int { sessions.openCount }

    /// Pages monitored now (what a smaller page budget would drop).
    var monitoredPageCount: Int { pages.count }

    /// Whether the session whose id hashes to `hash` is open in this aggregator.
    func holdsSession(hash: UInt64) -> Bool { sessions.holds(sessionHash: hash) }

    /// Drops sessions idle for longer than the timeout, so memory follows live traffic.
    public mutating func expireSessions(now: Date) {
        sessions.expire(now: now)
    }

    /// The statistics as of `now`.
    public func snapshot(now: Date) -> StatsSnapshot {
        let topPages = pages.top(configuration.topPagesLimit, by: <).map { entry in
            StatsSnapshot.PageStats(
                url: entry.value.url, path: entry.key, views: entry.count, uniqueVisitors: entry.value.visitors.count)
        }
        let currentHour = RFC3339.hourStart(now)
        let oldestHour = currentHour - Int64(configuration.hourlyWindow - 1) * 3600
        var hourlyPageViews: [String: Int] = [:]
        for (hour, views) in hourly where hour >= oldestHour && hour <= currentHour {
            hourlyPageViews[RFC3339.formatSeconds(Date(timeIntervalSince1970: Double(hour)))] = views
        }
        return StatsSnapshot(
            lastUpdated: RFC3339.formatSeconds(now),
            totalEvents: totalEvents,
            uniqueUsers: users.count,
            activeSessions: sessions.activeCount(now: now),
            eventsByType: Self.counts(eventsByType),
            topPages: Array(topPages),
            trafficSources: Self.counts(sources),
            deviceStats: devices,
            browserStats: browsers,
            osStats: operatingSystems,
            countryStats: countries.mapValues(\.views),
            topCountries: countries.map { code, entry in
                StatsSnapshot.CountryStats(country: code, visitors: entry.visitors.count, views: entry.views)
            }.sorted(by: StatsSnapshot.CountryStats.ranksAbove).prefix(Self.topCountriesLimit).map { $0 },
            hourlyPageViews: hourlyPageViews,
            performanceMetrics: StatsSnapshot.PerformanceMetrics(
                samples: loadTimes.count, averageLoadTime: loadTimes.average,
                medianLoadTime: loadTimes.quantile(0.5) ?? 0, p95LoadTime: loadTimes.quantile(0.95) ?? 0),
            invalidRecords: invalidRecords,
            duplicateEvents: duplicateEvents,
            sessionMetrics: sessions.metrics(now: now),
            currentVisitors: realtime.currentVisitors(now: now),
            eventsPerMinute: realtime.eventsPerMinute(now: now),
            botEvents: botEvents,
            topCampaigns: campaigns.top(configuration.topCampaignsLimit, by: <).map { entry in
                StatsSnapshot.CampaignStats(
                    campaign: entry.value.name, source: entry.value.source, medium: entry.value.medium,
                    views: entry.count, uniqueVisitors: entry.value.visitors.count)
            }
        )
    }

    private static func counts(_ summary: SpaceSaving<String, Int>) -> [String: Int] {
        Dictionary(uniqueKeysWithValues: summary.top(summary.count, by: <).map { ($0.key, $0.count) })
    }

    /// Who a visitor is, as the sketches count it: the `user_id` ("u:" and the id), else the
    /// producer's cookieless `visitor_id` ("v:"), else the session ("s:", records from before
    /// visitor ids).
    static func visitorHash(of event: AnalyticsEvent) -> UInt64? {
        if let user = event.userID, !user.isEmpty { return HyperLogLog.hash(user, prefixedBy: "u:") }
        if let visitor = event.visitorID, !visitor.isEmpty { return HyperLogLog.hash(visitor, prefixedBy: "v:") }
        if let session = event.sessionID, !session.isEmpty { return HyperLogLog.hash(session, prefixedBy: "s:") }
        return nil
    }
}

extension AnalyticsAggregator {
    /// Writes everything but the deduplication window, which stays with the process that owns it.
    func write(to writer: inout PartialWriter) {
        writer.int(totalEvents)
        writer.int(invalidRecords)
        writer.int(duplicateEvents)
        writer.int(botEvents)
        eventsByType.write(to: &writer)
        users.write(to: &writer)
        sessions.write(to: &writer)
        // Whether the sender's page summary was full decides how a merge treats missing pages.
        writer.int(pages.capacity)
        pages.write(to: &writer) { writer, page in
            writer.string(page.url)
            page.visitors.write(to: &writer)
        }
        sources.write(to: &writer)
        campaigns.write(to: &writer) { writer, entry in
            writer.string(entry.name)
            writer.string(entry.source ?? "")
            writer.string(entry.medium ?? "")
            entry.visitors.write(to: &writer)
        }
        writer.sequence(devices) { writer, element in
            writer.string(element.key)
            writer.int(element.value)
        }
        writer.sequence(browsers) { writer, element in
            writer.string(element.key)
            writer.int(element.value)
        }
        writer.sequence(operatingSystems) { writer, element in
            writer.string(element.key)
            writer.int(element.value)
        }
        writer.sequence(countries) { writer, element in
            writer.string(element.key)
            writer.int(element.value.views)
            element.value.visitors.write(to: &writer)
        }
        writer.sequence(hourly) { writer, element in
            writer.int(element.key)
            writer.int(element.value)
        }
        realtime.write(to: &writer)
        loadTimes.write(to: &writer)
    }

    init(configuration: AggregatorConfiguration, from reader: inout PartialReader) throws(PartialStateError) {
        var configuration = configuration
        configuration.deduplicationWindow = 0
        self.init(configuration: configuration)
        totalEvents = try reader.tally("total events")
        invalidRecords = try reader.tally("invalid records")
        duplicateEvents = try reader.tally("duplicate events")
        botEvents = try reader.tally("bot events")
        eventsByType = try SpaceSaving(capacity: eventsByType.capacity, from: &reader)
        users = try HyperLogLog(from: &reader)
        sessions = try SessionWindow(
            timeout: configuration.sessionTimeout, capacity: configuration.sessionCapacity, from: &reader)
        let pageCapacity = try reader.int()
        guard (1...100_000_000).contains(pageCapacity) else { throw .corrupt("page capacity \(pageCapacity)") }
        pages = try SpaceSaving(capacity: pageCapacity, from: &reader) { reader throws(PartialStateError) in
            PageEntry(url: try reader.string(), visitors: try HyperLogLog(from: &reader))
        }
        sources = try SpaceSaving(capacity: sources.capacity, from: &reader)
        campaigns = try SpaceSaving(capacity: campaigns.capacity, from: &reader) { reader throws(PartialStateError) in
            let name = try reader.string()
            let source = try reader.string()
            let medium = try reader.string()
            return CampaignEntry(
                name: name, source: source.isEmpty ? nil : source, medium: medium.isEmpty ? nil : medium,
                visitors: try HyperLogLog(from: &reader))
        }
        for _ in 0..<(try reader.count()) { devices[try reader.string()] = try reader.tally("device events") }
        for _ in 0..<(try reader.count()) { browsers[try reader.string()] = try reader.tally("browser events") }
        for _ in 0..<(try reader.count()) {
            operatingSystems[try reader.string()] = try reader.tally("operating system events")
        }
        for _ in 0..<(try reader.count()) {
            let code = try reader.string()
            guard code == "unknown" || CountryCode(code) != nil else { throw .corrupt("country \(code.prefix(64))") }
            let views = try reader.tally("country page views")
            countries[code] = CountryEntry(views: views, visitors: try HyperLogLog(from: &reader))
        }
        for _ in 0..<(try reader.count()) {
            hourly[try reader.instantSeconds("hour")] = try reader.tally("hourly page views")
        }
        realtime = try RealtimeWindow(from: &reader)
        loadTimes = try QuantileSketch(maximum: loadTimes.maximum, from: &reader)
    }
}
