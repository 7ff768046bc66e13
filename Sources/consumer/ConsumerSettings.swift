import Foundation
import HTTPServer
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
    /// The compacted topic where members share partial states; nil when `GROUP_VIEW=false`.
    var partialsTopic: String?
    var partialsIntervalMilliseconds: Int
    /// Records fetched ahead, in MiB (`CONSUMER_PREFETCH_MB`): catch-up speed against memory.
    var prefetchMegabytes: Int
    /// Shortest interval between two snapshots on a dashboard stream (`DASHBOARD_REFRESH_MS`).
    var dashboardRefreshMilliseconds: Int
    /// Dashboard streams open at once at most (`MAX_STREAMS`); beyond, `503`.
    var maxStreams: Int
    /// When set, the dashboard, `/analytics` and the stream need it (`STATS_TOKEN`).
    var statsToken: String?
    /// When set, `/metrics` needs it as a bearer token (`METRICS_TOKEN`).
    var metricsToken: String?
    /// Whether events marked as bots count as people (`COUNT_BOTS`).
    var countBots: Bool

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        brokers = try environment.brokers("KAFKA_BROKERS", default: "localhost:9092")
        topic = try environment.topic("KAFKA_TOPIC", default: "analytics-events")
        group = environment.string("CONSUMER_GROUP", default: "analytics-consumer-group")
        statsInterval = try environment.integer("STATS_INTERVAL", default: 30, range: 1...86_400)
        sessionTimeoutMinutes = try environment.integer("SESSION_TIMEOUT_MINUTES", default: 30, range: 1...1440)
        sessionCapacity = try environment.integer("SESSION_CAPACITY", default: 500_000, range: 1_000...100_000_000)
        pageCapacity = try environment.integer("PAGE_CAPACITY", default: 20_000, range: 100...10_000_000)
        topPages = try environment.integer("TOP_PAGES", default: 10, range: 1...1000)
        shutdownTimeoutSeconds = try environment.integer("SHUTDOWN_TIMEOUT", default: 10, range: 1...600)
        rebuildOnStart =
            try environment.choice("REBUILD_ON_START", default: "true", allowed: ["true", "false"]) == "true"
        let groupView = try environment.choice("GROUP_VIEW", default: "true", allowed: ["true", "false"]) == "true"
        partialsTopic = groupView ? try environment.topic("KAFKA_PARTIALS_TOPIC", default: topic + "-partials") : nil
        partialsIntervalMilliseconds = try environment.integer(
            "PARTIALS_INTERVAL_MS", default: 5000, range: 100...600_000)
        prefetchMegabytes = try environment.integer("CONSUMER_PREFETCH_MB", default: 4, range: 1...1024)
        deduplicationWindow = try environment.integer("DEDUP_WINDOW", default: 100_000, range: 1...10_000_000)
        deadLetterTopic =
            environment.raw("KAFKA_DLQ_TOPIC") == nil ? nil : try environment.topic("KAFKA_DLQ_TOPIC", default: "")
        dashboardRefreshMilliseconds = try environment.integer(
            "DASHBOARD_REFRESH_MS", default: 1000, range: 100...60_000)
        maxStreams = try environment.integer("MAX_STREAMS", default: 64, range: 0...10_000)
        statsToken = try environment.token("STATS_TOKEN")
        metricsToken = try environment.token("METRICS_TOKEN")
        countBots = try environment.choice("COUNT_BOTS", default: "false", allowed: ["true", "false"]) == "true"
        var http = HTTPServerConfiguration()
        http.serverName = "analytics-consumer"
        http.host = environment.string("STATS_HOST", default: "0.0.0.0")
        http.port = try environment.port("STATS_PORT", default: 8081)
        http.eventLoopCount = 1
        self.http = http
    }

    var kafka: KafkaConsumerConfiguration {
        var configuration = KafkaConsumerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: brokers, clientID: "analytics-consumer"), groupID: group)
        configuration.prefetchKilobytes = prefetchMegabytes * 1024
        return configuration
    }
}
