/// A point-in-time copy of the live statistics, served as JSON at `GET /analytics` and printed
/// as the summary.
///
/// Field names are those of the original project (design §5) so existing dashboards keep working.
public struct StatsSnapshot: Sendable, Equatable, Codable {
    /// One row of the top pages table.
    public struct PageStats: Sendable, Equatable, Codable {
        public var url: String
        public var path: String
        public var views: Int
        public var uniqueVisitors: Int

        public init(url: String, path: String, views: Int, uniqueVisitors: Int) {
            self.url = url
            self.path = path
            self.views = views
            self.uniqueVisitors = uniqueVisitors
        }

        enum CodingKeys: String, CodingKey {
            case url, path, views
            case uniqueVisitors = "unique_visitors"
        }
    }

    /// One row of the campaigns table: page views tagged `utm_campaign`, by campaign, source and
    /// medium.
    public struct CampaignStats: Sendable, Equatable, Codable {
        public var campaign: String
        public var source: String?
        public var medium: String?
        public var views: Int
        public var uniqueVisitors: Int

        public init(campaign: String, source: String?, medium: String?, views: Int, uniqueVisitors: Int) {
            self.campaign = campaign
            self.source = source
            self.medium = medium
            self.views = views
            self.uniqueVisitors = uniqueVisitors
        }

        enum CodingKeys: String, CodingKey {
            case campaign, source, medium, views
            case uniqueVisitors = "unique_visitors"
        }
    }

    /// One row of the countries table: page views and visitors from one country (`unknown` when the
    /// producer could not tell).
    public struct CountryStats: Sendable, Equatable, Codable {
        public var country: String
        public var visitors: Int
        public var views: Int

        public init(country: String, visitors: Int, views: Int) {
            self.country = country
            self.visitors = visitors
            self.views = views
        }

        /// Most visitors first, then most views, then by code.
        public static func ranksAbove(_ left: CountryStats, _ right: CountryStats) -> Bool {
            (-left.visitors, -left.views, left.country) < (-right.visitors, -right.views, right.country)
        }
    }

    /// Page-load times reported in `metadata.load_time` (milliseconds).
    public struct PerformanceMetrics: Sendable, Equatable, Codable {
        public var samples: Int
        public var averageLoadTime: Double
        public var medianLoadTime: Double
        public var p95LoadTime: Double

        public init(samples: Int = 0, averageLoadTime: Double = 0, medianLoadTime: Double = 0, p95LoadTime: Double = 0)
        {
            self.samples = samples
            self.averageLoadTime = averageLoadTime
            self.medianLoadTime = medianLoadTime
            self.p95LoadTime = p95LoadTime
        }

        enum CodingKeys: String, CodingKey {
            case samples
            case averageLoadTime = "avg_load_time_ms"
            case medianLoadTime = "median_load_time_ms"
            case p95LoadTime = "p95_load_time_ms"
        }
    }

    /// What sessions add up to: closed ones plus those still open.
    public struct SessionMetrics: Sendable, Equatable, Codable {
        public var sessionsStarted: Int
        public var completedSessions: Int
        /// Sessions closed before their timeout because the open-session budget
        /// (`SESSION_CAPACITY`) was full; non-zero means the session figures undercount durations.
        public var closedEarly: Int
        /// Share of sessions with at most one page view.
        public var bounceRate: Double
        public var averageDurationSeconds: Double
        public var pagesPerSession: Double
        /// First page of sessions, by sessions (top 10).
        public var entryPages: [String: Int]
        /// Last page of closed sessions, by sessions (top 10).
        public var exitPages: [String: Int]

        public init(
            sessionsStarted: Int = 0, completedSessions: Int = 0, closedEarly: Int = 0, bounceRate: Double = 0,
            averageDurationSeconds: Double = 0, pagesPerSession: Double = 0, entryPages: [String: Int] = [:],
            exitPages: [String: Int] = [:]
        ) {
            self.sessionsStarted = sessionsStarted
            self.completedSessions = completedSessions
            self.closedEarly = closedEarly
            self.bounceRate = bounceRate
            self.averageDurationSeconds = averageDurationSeconds
            self.pagesPerSession = pagesPerSession
            self.entryPages = entryPages
            self.exitPages = exitPages
        }

        enum CodingKeys: String, CodingKey {
            case sessionsStarted = "sessions_started"
            case completedSessions = "completed_sessions"
            case closedEarly = "sessions_closed_early"
            case bounceRate = "bounce_rate"
            case averageDurationSeconds = "avg_session_duration_seconds"
            case pagesPerSession = "pages_per_session"
            case entryPages = "entry_pages"
            case exitPages = "exit_pages"
        }
    }

    /// Which partitions of the topic the numbers cover, and how (consumer groups).
    public struct PartitionCoverage: Sendable, Equatable, Codable {
        /// Partitions this consumer owns and counts live.
        public var owned: [Int32]
        /// Partitions counted from other group members' published partial states.
        public var fromPartials: [Int32]
        /// Age of the oldest partial state in the view, in seconds (nil when there is none).
        public var oldestPartialAgeSeconds: Double?

        public init(owned: [Int32], fromPartials: [Int32], oldestPartialAgeSeconds: Double? = nil) {
            self.owned = owned
            self.fromPartials = fromPartials
            self.oldestPartialAgeSeconds = oldestPartialAgeSeconds
        }

        enum CodingKeys: String, CodingKey {
            case owned
            case fromPartials = "from_partials"
            case oldestPartialAgeSeconds = "oldest_partial_age_seconds"
        }
    }

    public var lastUpdated: String
    public var totalEvents: Int
    public var uniqueUsers: Int
    public var activeSessions: Int
    public var eventsByType: [String: Int]
    public var topPages: [PageStats]
    public var trafficSources: [String: Int]
    public var deviceStats: [String: Int]
    public var browserStats: [String: Int]
    /// Page views by operating system (Windows, macOS, iOS, Android, ChromeOS, Linux, Other, Unknown).
    public var osStats: [String: Int]
    /// Page views by country code (`unknown` without one).
    public var countryStats: [String: Int]
    /// Countries by visitors, most first (at most `AnalyticsAggregator.topCountriesLimit`).
    public var topCountries: [CountryStats]
    public var hourlyPageViews: [String: Int]
    public var performanceMetrics: PerformanceMetrics
    /// Records on the topic that were not valid events and were skipped.
    public var invalidRecords: Int
    /// Events not counted because an event with the same id was already counted (client retries).
    public var duplicateEvents: Int
    public var sessionMetrics: SessionMetrics
    /// Distinct visitors in the last 5 minutes.
    public var currentVisitors: Int
    /// Events in each of the last 60 minutes, by the minute's start (UTC).
    public var eventsPerMinute: [String: Int]
    /// Events from bots and headless browsers; with `COUNT_BOTS=false` (the default) counted
    /// only here and in `total_events`.
    public var botEvents: Int
    /// Page views by campaign (`utm_campaign`), most viewed first.
    public var topCampaigns: [CampaignStats]
    /// Set by a consumer in a group; nil for an aggregate of its own.
    public var partitions: PartitionCoverage?
    /// The site these figures are of; nil when they are of every site together.
    public var site: String?
    /// Events counted only in these totals because their site came when `MAX_SITES` sites had
    /// views of their own.
    public var sitesOverCapacity = 0
    /// Records on the owned partitions not yet read, from the brokers' last reported ends; nil
    /// when not known (no partitions owned yet).
    public var consumerLag: Int?
    /// Where the history store stands; set by the consumer (nil in an aggregate of its own).
    public var history: HistoryStanding?

    public init(
        lastUpdated: String, totalEvents: Int, uniqueUsers: Int, activeSessions: Int, eventsByType: [String: Int],
        topPages: [PageStats], trafficSources: [String: Int], deviceStats: [String: Int], browserStats: [String: Int],
        osStats: [String: Int] = [:], countryStats: [String: Int] = [:], topCountries: [CountryStats] = [],
        hourlyPageViews: [String: Int], performanceMetrics: PerformanceMetrics,
        invalidRecords: Int,
        duplicateEvents: Int = 0, sessionMetrics: SessionMetrics = SessionMetrics(), currentVisitors: Int = 0,
        eventsPerMinute: [String: Int] = [:], botEvents: Int = 0, topCampaigns: [CampaignStats] = []
    ) {
        self.lastUpdated = lastUpdated
        self.totalEvents = totalEvents
        self.uniqueUsers = uniqueUsers
        self.activeSessions = activeSessions
        self.eventsByType = eventsByType
        self.topPages = topPages
        self.trafficSources = trafficSources
        self.deviceStats = deviceStats
        self.browserStats = browserStats
        self.osStats = osStats
        self.countryStats = countryStats
        self.topCountries = topCountries
        self.hourlyPageViews = hourlyPageViews
        self.performanceMetrics = performanceMetrics
        self.invalidRecords = invalidRecords
        self.duplicateEvents = duplicateEvents
        self.sessionMetrics = sessionMetrics
        self.currentVisitors = currentVisitors
        self.eventsPerMinute = eventsPerMinute
        self.botEvents = botEvents
        self.topCampaigns = topCampaigns
    }

    enum CodingKeys: String, CodingKey {
        case lastUpdated = "last_updated"
        case totalEvents = "total_events"
        case uniqueUsers = "unique_users"
        case activeSessions = "active_sessions"
        case eventsByType = "events_by_type"
        case topPages = "top_pages"
        case trafficSources = "traffic_sources"
        case deviceStats = "device_stats"
        case browserStats = "browser_stats"
        case osStats = "os_stats"
        case countryStats = "country_stats"
        case topCountries = "top_countries"
        case hourlyPageViews = "hourly_page_views"
        case performanceMetrics = "performance_metrics"
        case invalidRecords = "invalid_records"
        case duplicateEvents = "duplicate_events"
        case sessionMetrics = "session_metrics"
        case currentVisitors = "current_visitors"
        case eventsPerMinute = "events_per_minute"
        case botEvents = "bot_events"
        case topCampaigns = "top_campaigns"
        case partitions
        case consumerLag = "consumer_lag"
        case site
        case sitesOverCapacity = "sites_over_capacity"
        case history
    }

    /// Whether `other` shows the same figures: only the time of the snapshot and the age of the
    /// partials, which grow by themselves, may differ. A live view sends a new snapshot only then.
    public func sameFigures(as other: StatsSnapshot) -> Bool {
        var mine = self
        var theirs = other
        mine.lastUpdated = ""
        theirs.lastUpdated = ""
        mine.partitions?.oldestPartialAgeSeconds = nil
        theirs.partitions?.oldestPartialAgeSeconds = nil
        return mine == theirs
    }
}
