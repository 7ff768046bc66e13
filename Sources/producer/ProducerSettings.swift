import AnalyticsCore
import Foundation
import HTTPServer
import Kafka
import ServiceRuntime

/// When `POST /event` answers 202 (design §3).
enum AckMode: String, Sendable {
    /// After the broker acknowledged the record (acks=all, idempotent).
    case durable
    /// As soon as librdkafka holds the record; shutdown flushes before exit.
    case enqueued
}

/// The producer's settings, read from the environment and validated at start.
struct ProducerSettings: Sendable {
    var brokers: String
    var topic: String
    var http: HTTPServerConfiguration
    var ackMode: AckMode
    var deliveryTimeoutMilliseconds: Int
    var lingerMilliseconds: Int
    var maxQueuedMessages: Int
    var shutdownTimeoutSeconds: Int
    var allowedOrigins: [String]
    var limits: EventLimits
    /// What of a client's address reaches the topic (`IP_POLICY`).
    var ipPolicy: IPPolicy
    /// Proxies whose `X-Forwarded-For`/`Forwarded` are believed (`TRUSTED_PROXIES`).
    var trustedProxies: [IPNetwork]
    /// The one header the trusted proxies write the client address in (`CLIENT_IP_HEADER`).
    var clientAddressHeader: ForwardingHeader
    /// Events per second per client address, 0 for no limit (`RATE_LIMIT_PER_IP`).
    var rateLimitPerIP: Int
    /// Events a client may send at once above the rate (`RATE_LIMIT_BURST`).
    var rateLimitBurst: Int
    /// Client addresses the rate limiter remembers (`RATE_LIMIT_CLIENTS`).
    var rateLimitClients: Int
    /// The IPv6 prefix one rate-limited client is (`RATE_LIMIT_IPV6_PREFIX`).
    var rateLimitIPv6Prefix: Int
    /// Sites events are taken for; empty for all (`SITES`, formerly `ALLOWED_HOSTS`).
    var allowedHosts: HostAllowList
    /// The site of an event with no `site`, `url` or `Origin` (`DEFAULT_SITE`).
    var defaultSite: String
    /// The folder of the country ranges, nil to search the default ones (`GEOIP_DATA_DIR`).
    var countryDataFolder: String?
    /// An operator's MaxMind-DB country file, used instead of the ranges (`GEOIP_DB`).
    var countryDatabase: String?
    /// Where producers agree on each day's visitor salt (`VISITOR_SALTS_TOPIC`).
    var saltsTopic: String
    /// What of `url` and `referrer` is published (`KEPT_QUERY_PARAMETERS`).
    var urlRedactor: URLRedactor
    /// Senders showing it may give events a past `timestamp` (`IMPORT_TOKEN`).
    var importToken: String?
    /// How old an imported `timestamp` may be, in days (`IMPORT_MAX_AGE_DAYS`).
    var importMaxAgeDays: Int

    init(environment: EnvironmentReader) throws(ConfigurationError) {
        brokers = try environment.brokers(
            "KAFKA_BROKERS", default: "localhost:9092", means: "Kafka bootstrap servers.")
        topic = try environment.topic(
            "KAFKA_TOPIC", default: "analytics-events", means: "The topic events are published to.")
        ackMode =
            AckMode(
                rawValue: try environment.choice(
                    "ACK_MODE", default: "durable", allowed: ["durable", "enqueued"],
                    means: "When POST /event answers 202: after the broker's acknowledgement (durable) "
                        + "or once librdkafka holds the event (enqueued)."))
            ?? .durable
        deliveryTimeoutMilliseconds = try environment.integer(
            "DELIVERY_TIMEOUT_MS", default: 5000, range: 100...300_000,
            means: "Milliseconds a durable request waits for the broker before it is answered 503.")
        // A durable request waits for its record's acknowledgement, so any linger is added to its
        // latency (and, with a fixed number of clients, taken off the throughput); records still
        // batch while earlier requests are in flight. Enqueued requests do not wait: batch longer.
        lingerMilliseconds = try environment.integer(
            "KAFKA_LINGER_MS", default: ackMode == .durable ? 0 : 5, range: 0...1000,
            means: "librdkafka's linger.ms: how long records wait to fill a batch.",
            shown: "0 (durable), 5 (enqueued)")
        maxQueuedMessages = try environment.integer(
            "KAFKA_QUEUE_MAX_MESSAGES", default: 100_000, range: 1...10_000_000,
            means: "Records librdkafka may hold unacknowledged; beyond, new events are answered 503.")
        shutdownTimeoutSeconds = try environment.integer(
            "SHUTDOWN_TIMEOUT", default: 10, range: 1...600,
            means: "Seconds to answer requests in flight and flush to Kafka on SIGTERM.")
        allowedOrigins = try environment.list(
            "ALLOWED_ORIGINS", default: ["*"], shown: "*",
            allowed: "* or a comma-separated list of origins, such as https://shop.example",
            means: "Origins browsers may send events from (CORS).", parse: CORSPolicy.origin)
        limits = EventLimits()
        limits.maxBatchSize = try environment.integer(
            "MAX_BATCH_EVENTS", default: 500, range: 1...10_000, means: "Events one POST /events may carry.")
        ipPolicy =
            IPPolicy(
                rawValue: try environment.choice(
                    "IP_POLICY", default: "anonymize", allowed: IPPolicy.allCases.map(\.rawValue),
                    means: "What of the client's address is published: anonymize (IPv4 /24, IPv6 /48), drop, keep."))
            ?? .anonymize
        trustedProxies = try environment.list(
            "TRUSTED_PROXIES", allowed: "a comma-separated list of addresses or CIDR networks, such as 10.0.0.0/8,::1",
            means: "Proxies whose CLIENT_IP_HEADER is believed.", parse: IPNetwork.init)
        clientAddressHeader = try environment.value(
            "CLIENT_IP_HEADER", default: "X-Forwarded-For", allowed: "an HTTP header name",
            means: "The one header TRUSTED_PROXIES write the client address in: X-Forwarded-For, "
                + "Forwarded (RFC 7239), or one such as X-Real-IP. No other header is read.",
            parse: ForwardingHeader.init(name:))
        importToken = try environment.token(
            "IMPORT_TOKEN",
            means: "Senders with Authorization: Bearer <token> may give events a past timestamp, "
                + "which becomes the event's time (imports, backfill).")
        importMaxAgeDays = try environment.integer(
            "IMPORT_MAX_AGE_DAYS", default: 3650, range: 1...18_250,
            means: "How many days old an imported timestamp may be.")
        rateLimitPerIP = try environment.integer(
            "RATE_LIMIT_PER_IP", default: 0, range: 0...1_000_000,
            means: "Events per second per client address (0: no limit); over it, 429 with Retry-After.")
        rateLimitBurst = try environment.integer(
            "RATE_LIMIT_BURST", default: max(1, rateLimitPerIP * 10), range: 1...10_000_000,
            means: "Events a client may send at once above its rate.", shown: "10 x RATE_LIMIT_PER_IP")
        rateLimitClients = try environment.integer(
            "RATE_LIMIT_CLIENTS", default: 65_536, range: 16...16_777_216,
            means: "Client addresses the rate limiter remembers (about 40 bytes each).")
        rateLimitIPv6Prefix = try environment.integer(
            "RATE_LIMIT_IPV6_PREFIX", default: 64, range: 32...128,
            means: "IPv6 clients are rate limited by network of this prefix: a host given a /64 can use all of it.")
        let sites = try environment.list(
            "SITES", shown: "(empty: every site)",
            allowed: "a comma-separated list of sites, such as example.com,*.example.com",
            means: "Sites events are taken for (an event's site, url host or Origin); others are answered 403.",
            parse: HostAllowList.pattern)
        let formerSites = try environment.list(
            "ALLOWED_HOSTS", shown: "(empty)",
            allowed: "a comma-separated list of sites, such as example.com,*.example.com",
            means: "The former name of SITES, read when SITES is unset.", parse: HostAllowList.pattern)
        allowedHosts = HostAllowList(patterns: sites.isEmpty ? formerSites : sites)
        let folder = environment.string(
            "GEOIP_DATA_DIR", default: "auto",
            means: "The folder holding geoip and geoip6 (IPFire Location, from Debian's "
                + "tor-geoipdb); auto: data/geoip, then /usr/share/tor; off: no countries.")
        countryDataFolder = folder == "auto" ? nil : folder
        let database = environment.string(
            "GEOIP_DB", default: "(unset)",
            means: "A MaxMind-DB (.mmdb) country file read instead of GEOIP_DATA_DIR, such as DB-IP's "
                + "IP to Country Lite; missing or unreadable stops the producer.")
        countryDatabase = database == "(unset)" || database.isEmpty ? nil : database
        defaultSite = try environment.value(
            "DEFAULT_SITE", default: "default", allowed: SiteName.rule,
            means: "The site of an event that names none and has neither url nor Origin.",
            parse: { SiteName.normalized($0) })
        saltsTopic = try environment.topic(
            "VISITOR_SALTS_TOPIC", default: topic + "-salts",
            means: "The compacted topic where producers agree on each day's visitor salt.",
            shown: "KAFKA_TOPIC-salts")
        urlRedactor = URLRedactor(
            alsoKept: try environment.list(
                "KEPT_QUERY_PARAMETERS", shown: "(empty: only utm_*, ref and source)",
                allowed: "a comma-separated list of parameter names, such as q,page",
                means: "Query parameters of url and referrer published besides utm_source, utm_medium, "
                    + "utm_campaign, utm_term, utm_content, ref and source; others and fragments are dropped.",
                parse: URLRedactor.parameterName))

        var http = HTTPServerConfiguration()
        http.serverName = "analytics-producer"
        http.host = try environment.host(
            "SERVER_HOST", default: "0.0.0.0", means: "Address to listen on (:: for IPv6 as well).")
        http.port = try environment.port("SERVER_PORT", default: 8080, means: "HTTP port (0: any free port).")
        http.eventLoopCount = try environment.integer(
            "HTTP_THREADS", default: http.eventLoopCount, range: 1...256, means: "Event-loop threads.",
            shown: "the CPUs the process may use")
        http.limits.maxBodyBytes = try environment.integer(
            "MAX_BODY_BYTES", default: 1_048_576, range: 1024...67_108_864,
            means: "Largest request body, in bytes (413 beyond).")
        // At least one largest body must fit, or such a request would never be taken.
        http.maxBufferedBodyBytes = try environment.integer(
            "MAX_BUFFERED_BODY_BYTES", default: 268_435_456,
            range: http.limits.maxBodyBytes...68_719_476_736,
            means: "Request body bytes held in memory across all connections, 256 MiB by default (503 beyond).")
        http.limits.maxHeaderBytes = try environment.integer(
            "MAX_HEADER_BYTES", default: 16_384, range: 1024...1_048_576,
            means: "Largest request line and headers, in bytes (431 beyond).")
        http.limits.maxHeaderCount = try environment.integer(
            "MAX_HEADER_COUNT", default: 100, range: 8...10_000, means: "Most header fields a request may have (431).")
        http.maxConnections = try environment.integer(
            "MAX_CONNECTIONS", default: 10_000, range: 1...1_000_000,
            means: "Open connections at most; beyond, new ones wait in the accept backlog.")
        http.idleTimeout = .seconds(
            try environment.integer(
                "HTTP_IDLE_TIMEOUT", default: 60, range: 1...3600,
                means: "Seconds an idle keep-alive connection stays open."))
        http.headerTimeout = .seconds(
            try environment.integer(
                "HTTP_HEADER_TIMEOUT", default: 10, range: 1...600,
                means: "Seconds to receive a request's line and headers (408 after)."))
        http.bodyTimeout = .seconds(
            try environment.integer(
                "HTTP_BODY_TIMEOUT", default: 30, range: 1...600,
                means: "Seconds to receive a request's body (408 after)."))
        // A durable request is answered by its delivery deadline; the server's own is a backstop.
        http.responseTimeout = max(http.responseTimeout, .milliseconds(deliveryTimeoutMilliseconds) * 2)
        self.http = http
    }

    /// Every setting the producer reads, for `--help` and the configuration test.
    static var described: [SettingDescription] {
        SettingDescription.ofService(ProducerSettings.init(environment:))
    }

    var kafka: KafkaProducerConfiguration {
        var configuration = KafkaProducerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: brokers, clientID: "analytics-producer"))
        configuration.lingerMilliseconds = lingerMilliseconds
        configuration.maxQueuedMessages = maxQueuedMessages
        // In enqueued mode a 202 was already given, so librdkafka must keep retrying until the
        // broker takes the record (0 = no timeout); a full queue then turns into 503s.
        configuration.deliveryTimeoutMilliseconds = ackMode == .durable ? deliveryTimeoutMilliseconds : 0
        // Nobody waits for acknowledgements in enqueued mode: only failures need reporting.
        configuration.reportOnlyFailures = ackMode == .enqueued
        return configuration
    }
}
