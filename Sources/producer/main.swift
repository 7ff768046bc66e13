import AnalyticsCore
import BackgroundWork
import Foundation
import HTTPServer
import Kafka
import Logging
import ServiceRuntime

// The producer: HTTP in, Kafka out. Configuration from the environment (docs/configuration.md).
_ = CommandLineEntry.parse(ProducerCommand.self)
let (logger, settings) = ServiceStartup.begin(service: "producer") { environment throws(ConfigurationError) in
    try ProducerSettings(environment: environment)
}

let metrics = ServiceMetrics()

// Country data first: a GEOIP_DB or GEOIP_DATA_DIR that cannot be used stops the producer
// with one line, before anything connects.
let countryDatabase: CountryDatabase?
do {
    countryDatabase = try settings.countryDatabase.map { path throws(CountryDatabaseError) in
        try CountryDatabase(path: path)
    }
} catch {
    ShutdownSignal.fail("producer: \(error)", status: 2)
}
if let countryDatabase {
    logger.info(
        "country database loaded",
        metadata: [
            "path": "\(countryDatabase.path)", "type": "\(countryDatabase.databaseType)",
            "nodes": "\(countryDatabase.nodeCount)",
        ])
}
let countries: (any CountryLocator)? =
    countryDatabase ?? CountryData.load(folder: settings.countryDataFolder, logger: logger)

let producer: KafkaProducer
do {
    producer = try KafkaProducer(configuration: settings.kafka, logger: logger)
} catch {
    ShutdownSignal.fail("producer: \(error)")
}

let state = ProducerState()
let publisher = EventPublisher(producer: producer, topic: settings.topic, ackMode: settings.ackMode)
var router = Router(cors: CORSPolicy(allowedOrigins: settings.allowedOrigins))
router.observer = { route, method, status in metrics.countRequest(route: route, method: method, status: status) }
let deadlines: DeliveryDeadlines? =
    settings.ackMode == .durable
    ? DeliveryDeadlines(timeout: .milliseconds(settings.deliveryTimeoutMilliseconds)) { id in
        metrics.increment("events_rejected_total", [("reason", "delivery_timeout")])
        return .json(
            .serviceUnavailable,
            fields: [("error", PublishError.notConfirmedInTime), ("id", id)], headers: IngestionRoutes.retryAfter)
    } : nil
let salts: VisitorSalts
do {
    salts = try VisitorSalts(client: settings.kafka.client, topic: settings.saltsTopic, logger: logger)
} catch {
    ShutdownSignal.fail("producer: \(error)")
}
if !salts.start(waitingUpTo: .seconds(5)) {
    logger.warning(
        "today's visitor salt is not agreed yet; events without user_id are answered 503 until it is",
        metadata: ["salts_topic": "\(settings.saltsTopic)"])
}
let rateLimiter =
    settings.rateLimitPerIP > 0
    ? ClientRateLimiter(
        ratePerSecond: settings.rateLimitPerIP, burst: settings.rateLimitBurst, capacity: settings.rateLimitClients,
        ipv6Prefix: settings.rateLimitIPv6Prefix)
    : nil
if settings.allowedHosts.allowsAll {
    logger.info("SITES is empty: events are taken for every site")
}
let intake = EventIntake(
    validator: EventValidator(limits: settings.limits),
    enricher: EventEnricher(
        ipPolicy: settings.ipPolicy, urlRedactor: settings.urlRedactor, defaultSite: settings.defaultSite,
        countries: countries),
    resolver: ClientAddressResolver(trustedProxies: settings.trustedProxies, header: settings.clientAddressHeader),
    rateLimiter: rateLimiter,
    allowedHosts: settings.allowedHosts, salts: salts, maxBodyBytes: settings.http.limits.maxBodyBytes,
    imports: ImportPolicy(token: settings.importToken, maxAgeDays: settings.importMaxAgeDays))
IngestionRoutes(publisher: publisher, intake: intake, state: state, metrics: metrics, deadlines: deadlines)
    .install(on: &router)

let server: HTTPServer
do {
    server = try HTTPServer(configuration: settings.http, responder: router, logger: logger)
} catch {
    ShutdownSignal.fail("producer: \(error)")
}
state.startBrokerProbe(producer: producer, topic: settings.topic)
logger.info(
    "producer listening",
    metadata: [
        "port": "\(server.port)", "brokers": "\(settings.brokers)", "topic": "\(settings.topic)",
        "ack_mode": "\(settings.ackMode.rawValue)", "threads": "\(settings.http.eventLoopCount)",
        "ip_policy": "\(settings.ipPolicy.rawValue)",
        "trusted_proxies": "\(settings.trustedProxies.map(\.description).joined(separator: ","))",
        "client_ip_header": "\(settings.clientAddressHeader)",
        "rate_limit_per_ip": "\(settings.rateLimitPerIP)", "sites": "\(settings.allowedHosts.description)",
        "default_site": "\(settings.defaultSite)",
    ])

let signal = ShutdownSignal.wait()
logger.info("shutting down", metadata: ["signal": "\(signal)"])
state.draining.store(true, ordering: .relaxed)
let deadline = ContinuousClock.now + .seconds(settings.shutdownTimeoutSeconds)
server.shutdown(timeout: .seconds(settings.shutdownTimeoutSeconds))
// No request is answered any more: the country database can go.
countryDatabase?.shutdown()
state.stopBrokerProbe()
// Its writes go through a producer of its own, flushed here.
salts.shutdown(timeout: .seconds(2))
let remaining = producer.shutdown(timeout: max(.seconds(1), deadline - ContinuousClock.now))
// Every request is answered by now: the server has closed its connections, the producer failed
// what it could not deliver.
deadlines?.stop()
if remaining > 0 {
    logger.error("records not delivered at exit", metadata: ["count": "\(remaining)"])
    exit(1)
}
logger.info("producer stopped", metadata: ["threads_running": "\(BackgroundThread.runningCount)"])
exit(0)
