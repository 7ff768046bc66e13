import AnalyticsCore
import ClickHouse
import Foundation
import HTTPServer
import HistoryQuery
import Kafka
import ServiceRuntime

/// The consumer's settings, read from the environment and validated at start.
struct ConsumerSettings: Sendable {
    var brokers: String
    var topic: String
    var group: String
    var statsInterval: Int
    var http: HTTPServerConfiguration
    var sessionTimeoutMinutes: Int
    /// Open sessions held in memory across the topic (`SESSION_CAPACITY`).
    var sessionCapacity: Int
    /// Pages monitored for top pages across the topic (`PAGE_CAPACITY`).
    var pageCapacity: Int
    var topPages: Int
    var shutdownTimeoutSeconds: Int
    var deduplicationWindow: Int
    var deadLetterTopic: String?
    var rebuildOnStart: Bool
    /// Whether members share partial states (`GROUP_VIEW`).
    var groupView: Bool
    /// The partials topic's name, whether `GROUP_VIEW` is on or not (`--forget-group`).
    var partialsTopicName: String
    /// The compacted topic where members share partial states; nil when `GROUP_VIEW=false`.
    var partialsTopic: String? { groupView ? partialsTopicName : nil }
    var partialsIntervalMilliseconds: Int
    /// Records fetched ahead, in MiB (`CONSUMER_PREFETCH_MB`): catch-up speed against memory.
    var prefetchMegabytes: Int
    /// Shortest interval between two snapshots on a dashboard stream (`DASHBOARD_REFRESH_MS`).
    var dashboardRefreshMilliseconds: Int
    /// Dashboard streams open at once at most (`MAX_STREAMS`); beyond, `503`.
    var maxStreams: Int
    /// When set, the dashboard, `/analytics` and the stream need it (`STATS_TOKEN`).
    var statsToken: String?
    /// What `POST /api/v2/query` knows and may spend (`GOALS`, `SITE_TIMEZONES`, `QUERY_*`).
    var queries = HistoryQueries.Settings()
    /// Tokens that each see one site only (`SITE_TOKENS`).
    var siteTokens: [(site: String, token: String)]
    /// Sites given a view of their own (`MAX_SITES`).
    var maxSites: Int
    /// The producers' `DEFAULT_SITE`: the site of events that name none.
    var defaultSite: String
    /// Where the history lives (`CLICKHOUSE_URL`, `CLICKHOUSE_DATABASE`, `CLICKHOUSE_USER`,
    /// `CLICKHOUSE_PASSWORD`); nil: no history.
    var history: ClickHouseEndpoint?
    /// Whole months of history kept (`HISTORY_RETENTION_MONTHS`); nil: unlimited.
    var retentionMonths: Int?
    /// When set, `/metrics` needs it as a bearer token (`METRICS_TOKEN`).
    var metricsToken: String?
    /// Whether events marked as bots count as people (`COUNT_BOTS`).
    var countBots: Bool
    /// Origins whose pages may read the statistics from a browser (`STATS_ALLOWED_ORIGINS`);
    /// empty, the default: no CORS at all, since the dashboard is served from this origin.
    var allowedOrigins: [String]
    /// Proxies whose `X-Forwarded-Proto`/`Forwarded` make the login cookie `Secure` (`TRUSTED_PROXIES`).
    var trustedProxies: [IPNetwork]

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        brokers = try environment.brokers(
            "KAFKA_BROKERS", default: "localhost:9092", means: "Kafka bootstrap servers.")
        topic = try environment.topic(
            "KAFKA_TOPIC", default: "analytics-events", means: "The topic of events to aggregate.")
        group = environment.string(
            "CONSUMER_GROUP", default: "analytics-consumer-group",
            means: "The consumer group: members of one group share the topic's partitions.")
        statsInterval = try environment.integer(
            "STATS_INTERVAL", default: 30, range: 1...86_400, means: "Seconds between summaries on standard output.")
        sessionTimeoutMinutes = try environment.integer(
            "SESSION_TIMEOUT_MINUTES", default: 30, range: 1...1440,
            means: "Minutes of inactivity after which a session ends.")
        sessionCapacity = try environment.integer(
            "SESSION_CAPACITY", default: 500_000, range: 1_000...100_000_000,
            means: "Open sessions held in memory across the topic; beyond, the least recently seen close early.")
        pageCapacity = try environment.integer(
            "PAGE_CAPACITY", default: 20_000, range: 100...10_000_000,
            means: "Pages monitored for top pages across the topic, shared out over its partitions.")
        topPages = try environment.integer(
            "TOP_PAGES", default: 10, range: 1...1000, means: "Rows of top_pages.")
        shutdownTimeoutSeconds = try environment.integer(
            "SHUTDOWN_TIMEOUT", default: 10, range: 1...600,
            means: "Seconds to print the final summary, commit and leave the group on SIGTERM.")
        rebuildOnStart = try environment.flag(
            "REBUILD_ON_START", default: true,
            means: "A partition with no published partial state is read from its oldest record (false: from "
                + "the committed offset).")
        groupView = try environment.flag(
            "GROUP_VIEW", default: true,
            means: "Share partial states through the partials topic, so every member shows the whole site.")
        partialsTopicName = try environment.topic(
            "KAFKA_PARTIALS_TOPIC", default: topic + "-partials",
            means: "The compacted topic of partial states (with GROUP_VIEW).", shown: "KAFKA_TOPIC-partials")
        partialsIntervalMilliseconds = try environment.integer(
            "PARTIALS_INTERVAL_MS", default: 5000, range: 100...600_000,
            means: "Milliseconds between publications of changed partial states.")
        prefetchMegabytes = try environment.integer(
            "CONSUMER_PREFETCH_MB", default: 4, range: 1...1024,
            means: "MiB of records fetched ahead of the consume loop: catch-up speed against memory.")
        deduplicationWindow = try environment.integer(
            "DEDUP_WINDOW", default: 100_000, range: 1...10_000_000,
            means: "Most recent event ids remembered: a retry within this many events counts once.")
        deadLetterTopic = try environment.optionalTopic(
            "KAFKA_DLQ_TOPIC", means: "When set, records that cannot be read are copied there, with why.")
        dashboardRefreshMilliseconds = try environment.integer(
            "DASHBOARD_REFRESH_MS", default: 1000, range: 100...60_000,
            means: "Shortest interval between two snapshots on a dashboard stream, and the page's polling interval.")
        maxStreams = try environment.integer(
            "MAX_STREAMS", default: 64, range: 0...10_000,
            means: "Dashboard streams open at once; beyond, 503 with Retry-After (the page then polls).")
        statsToken = try environment.token(
            "STATS_TOKEN", means: "When set, the dashboard, /analytics and the stream need it.")
        siteTokens = try environment.tokenPairs(
            "SITE_TOKENS", names: "site",
            means: "Tokens that each see one site only (dashboard, /analytics?site=, "
                + "its stream, its row of /api/sites); STATS_TOKEN sees every site.",
            parseName: { SiteName.normalized($0) }
        ).map { (site: $0.name, token: $0.token) }
        defaultSite = try environment.value(
            "DEFAULT_SITE", default: "default", allowed: SiteName.rule,
            means: "The producers' DEFAULT_SITE: an event of that site with no url joins the site of its open "
                + "session.", parse: { SiteName.normalized($0) })
        maxSites = try environment.integer(
            "MAX_SITES", default: 100, range: 1...100_000,
            means: "Sites with a live view of their own; events of further sites count only in the totals "
                + "and in sites_over_capacity.")
        metricsToken = try environment.token(
            "METRICS_TOKEN", means: "When set, /metrics needs it as a bearer token.")
        if let metricsToken, siteTokens.contains(where: { $0.token == metricsToken }) {
            throw ConfigurationError(
                variable: "SITE_TOKENS", value: "(a token equal to METRICS_TOKEN, not shown)",
                allowed: "tokens of their own, other than METRICS_TOKEN")
        }
        if let statsToken, siteTokens.contains(where: { $0.token == statsToken }) {
            throw ConfigurationError(
                variable: "SITE_TOKENS", value: "(a token equal to STATS_TOKEN, not shown)",
                allowed: "tokens other than STATS_TOKEN, which sees every site")
        }
        // An entry written token first (`TOKEN=shop.example.com`) reads as a site named like the
        // token whose token is the site: refused, rather than taken the wrong way round.
        if let reversed = siteTokens.firstIndex(where: {
            $0.token.contains(".") && SiteName.normalized($0.token) != nil
        }) {
            throw ConfigurationError(
                variable: "SITE_TOKENS", value: "(entry \(reversed + 1): its token looks like a site name, not shown)",
                allowed: "site=token pairs, the site first")
        }
        let clickHouseURL = try environment.value(
            "CLICKHOUSE_URL", default: "(unset)",
            allowed: "(unset) or the http(s) URL of ClickHouse's HTTP interface, such as http://localhost:8123",
            means: "Where the history is stored (ClickHouse); unset: no history.",
            parse: { text -> URL?? in
                if text == "(unset)" || text.isEmpty { return .some(nil) }
                guard let url = ClickHouseEndpoint.url(text) else { return nil }
                return .some(url)
            })
        let database = try environment.value(
            "CLICKHOUSE_DATABASE", default: "analytics",
            allowed: "a database name of letters, digits and _, not starting with a digit",
            means: "The ClickHouse database of the history (created at start).",
            parse: { ClickHouseEndpoint.isDatabaseName($0) ? $0 : nil })
        let user = environment.string(
            "CLICKHOUSE_USER", default: "default",
            means: "The ClickHouse user the consumer writes and reads history as.")
        let password = environment.secret(
            "CLICKHOUSE_PASSWORD", means: "That user's password (never logged).")
        history = clickHouseURL.map { ClickHouseEndpoint(url: $0, database: database, user: user, password: password) }
        retentionMonths = try environment.value(
            "HISTORY_RETENTION_MONTHS", default: "unlimited", allowed: "unlimited or a whole number from 1 to 1200",
            means: "Whole months of history kept (the current one included); older monthly partitions are dropped.",
            parse: { text -> Int?? in
                if text == "unlimited" { return .some(nil) }
                guard let months = Int(text), (1...1200).contains(months) else { return nil }
                return .some(months)
            })
        queries.goals = try environment.list(
            "GOALS", allowed: Goal.allowed,
            means: "Conversions the query API and the dashboard count: event:goal filters and dimensions, "
                + "conversion_rate.", parse: Goal.init)
        if let twice = Dictionary(grouping: queries.goals, by: \.name).first(where: { $0.value.count > 1 })?.key {
            throw ConfigurationError(variable: "GOALS", value: twice, allowed: "each goal's name once")
        }
        let zones: [(String, TimeZone)] = try environment.list(
            "SITE_TIMEZONES", allowed: "comma-separated site=Area/City pairs, such as shop.example=Europe/Berlin",
            means: "Each site's time zone for the query API's and the dashboard's days; others are in UTC.",
            parse: { text in
                let parts = text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                // An IANA name ClickHouse knows too: not an offset such as GMT+2.
                guard parts.count == 2, let site = SiteName.normalized(parts[0]),
                    TimeZone.knownTimeZoneIdentifiers.contains(parts[1]), let zone = TimeZone(identifier: parts[1])
                else { return nil }
                return (site, zone)
            })
        queries.timeZones = Dictionary(zones, uniquingKeysWith: { _, last in last })
        queries.timeoutSeconds = try environment.integer(
            "QUERY_TIMEOUT_SECONDS", default: 20, range: 1...300,
            means: "Longest a history query may run in ClickHouse (max_execution_time); beyond, 503.")
        queries.maxMemoryMegabytes = try environment.integer(
            "QUERY_MAX_MEMORY_MB", default: 1024, range: 64...65_536,
            means: "Most memory ClickHouse may use for one history query (max_memory_usage); beyond, 503.")
        queries.concurrency = try environment.integer(
            "QUERY_CONCURRENCY", default: 4, range: 1...64,
            means:
                "History queries run at once; eight times as many may wait (a dashboard page asks 7), beyond that 503.")
        countBots = try environment.flag(
            "COUNT_BOTS", default: false,
            means: "Count events marked as bots as people (by default only in bot_events and total_events).")
        queries.countBots = countBots
        allowedOrigins = try environment.list(
            "STATS_ALLOWED_ORIGINS", allowed: "a comma-separated list of origins, such as https://intranet.example",
            means: "Origins whose pages may read the statistics from a browser (CORS); empty: none, "
                + "the dashboard is same-origin.",
            parse: { $0 == "*" ? nil : CORSPolicy.origin($0) })
        trustedProxies = try environment.list(
            "TRUSTED_PROXIES", allowed: "a comma-separated list of addresses or CIDR networks, such as 10.0.0.0/8,::1",
            means: "Proxies in front of the dashboard whose X-Forwarded-Proto or Forwarded proto=https "
                + "marks the login cookie Secure.", parse: IPNetwork.init)
        var http = HTTPServerConfiguration()
        http.serverName = "analytics-consumer"
        http.host = try environment.host(
            "STATS_HOST", default: "0.0.0.0", means: "Address the dashboard, /analytics and /metrics listen on.")
        http.port = try environment.port(
            "STATS_PORT", default: 8081, means: "Port of the dashboard, /analytics, /metrics and /health.")
        http.eventLoopCount = 1
        self.http = http
    }

    /// Every setting the consumer reads, for `--help` and the configuration test.
    static var described: [SettingDescription] {
        SettingDescription.ofService(ConsumerSettings.init(environment:))
    }

    var kafka: KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: brokers, clientID: "analytics-consumer"), groupID: group)
        configuration.prefetchKilobytes = prefetchMegabytes * 1024
        return configuration
    }
}
