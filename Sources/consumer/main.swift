import AnalyticsCore
import BackgroundWork
import CLinuxEvents
import ClickHouse
import Foundation
import HTTPServer
import Kafka
import Logging
import ServiceRuntime

// The consumer: joins the group, aggregates, prints the summary every STATS_INTERVAL seconds,
// serves /analytics and /health on STATS_PORT.

let command = CommandLineEntry.parse(ConsumerCommand.self)
MallocTuning.apply()
let (logger, settings) = ServiceStartup.begin(service: "consumer") { environment throws(ConfigurationError) in
    try ConsumerSettings(environment: environment)
}

if let group = command.forgetGroup {
    let forgetting = GroupForgetting(
        group: group, topic: settings.partialsTopicName, brokers: settings.brokers, logger: logger)
    do {
        let outcome = try forgetting.run()
        print(
            "forgot group \"\(group)\" on \(settings.partialsTopicName): \(outcome.tombstoned) partial states "
                + "deleted, \(outcome.alreadyDeleted) already deleted")
        exit(0)
    } catch {
        ShutdownSignal.fail("consumer: --forget-group \(group): \(error)")
    }
}

if command.rebuildHistory {
    HistoryRebuild.run(settings: settings, logger: logger)
}

let history = HistoryStartup.begin(settings.history, logger: logger)

var aggregation = AggregatorConfiguration()
aggregation.sessionTimeout = Double(settings.sessionTimeoutMinutes) * 60
aggregation.topPagesLimit = settings.topPages
aggregation.sessionCapacity = settings.sessionCapacity
aggregation.pageCapacity = settings.pageCapacity
aggregation.deduplicationWindow = settings.deduplicationWindow
aggregation.countBots = settings.countBots
aggregation.maxSites = settings.maxSites
aggregation.defaultSite = settings.defaultSite
aggregation.reservedSites = Set(settings.siteTokens.map(\.site))
let statistics = LiveStatistics(topic: settings.topic, configuration: aggregation)
let renderer = StatsRenderer()

let metrics = ServiceMetrics()

// The group view: partial states of every partition, shared through the partials topic, read
// while the consumer joins the group; assigned partitions wait for them (below) so that they
// continue from their latest state.
let exchange: PartialsExchange?
do {
    exchange = try settings.partialsTopic.map { topic throws(KafkaError) in
        let exchange = try PartialsExchange(
            brokers: settings.brokers, topic: topic, eventsTopic: settings.topic, group: settings.group,
            intervalMilliseconds: settings.partialsIntervalMilliseconds,
            statistics: statistics, logger: logger)
        try exchange.start(timeout: .seconds(15))
        return exchange
    }
} catch {
    ShutdownSignal.fail(
        "consumer: cannot use the partials topic \(settings.partialsTopic ?? ""): \(error). Create it (compacted, "
            + "e.g. kafka-topics.sh --create --topic \(settings.partialsTopic ?? "") --config cleanup.policy=compact) "
            + "or set GROUP_VIEW=false to show only this consumer's partitions")
}

// Where each assigned partition is read from: after the freshest state known for it (this
// process's own, or the partial its previous owner published); with no state, from the oldest
// retained record when rebuilding the statistics on start (REBUILD_ON_START, the default), else
// from the group's committed offset. Partitions given away are published at once, so their next
// owner continues exactly where this one stopped.
let rebuild = settings.rebuildOnStart
let consumer: KafkaConsumer
do {
    consumer = try KafkaConsumer(
        configuration: settings.kafka, logger: logger,
        onRebalance: { event in
            switch event {
            case .assigning:
                // Everything published so far is read first: at start, the partials read while
                // joining; later, those the previous owners published on giving partitions away.
                exchange?.waitUntilCurrent(timeout: .seconds(15))
            case .revoked(let partitions):
                exchange?.publish(statistics.release(partitions.map(\.partition)), wait: true)
            case .assigned:
                break
            }
        },
        startPosition: { partition in
            if let next = statistics.adopt(partition.partition) { return .offset(next) }
            return rebuild ? .beginning : .committed
        })
    try consumer.subscribe(topics: [settings.topic])
} catch {
    ShutdownSignal.fail("consumer: \(error)")
}

// The history writer: a group of its own, fed from the same topic (docs/design.md, "History").
let historyStatus = HistoryStatus(history == nil ? .off : .starting)
let historyWriter: HistoryWriter?
do {
    historyWriter = try settings.history.map { endpoint throws(KafkaError) in
        try HistoryStartup.writer(
            endpoint, settings: settings, mode: .live, schemaReady: history?.schemaReady ?? false,
            status: historyStatus, logger: logger, metrics: metrics)
    }
} catch {
    ShutdownSignal.fail("consumer: history writer: \(error)")
}

let figures = LiveFigures(statistics: statistics, consumer: consumer, history: historyStatus)
let access = StatsAccess(
    statsToken: settings.statsToken, metricsToken: settings.metricsToken, siteTokens: settings.siteTokens,
    trustedProxies: settings.trustedProxies)
let feed = LiveSnapshotFeed(
    settings: LiveSnapshotFeed.Settings(
        refresh: .milliseconds(settings.dashboardRefreshMilliseconds), maxStreams: settings.maxStreams),
    logger: logger, changeCount: { statistics.changeCount },
    encodingFailed: { metrics.increment("snapshot_encoding_failures_total") }, figures: { figures.figures($0) })
// No CORS unless the operator lists origins: the dashboard is same-origin, and any other page a
// person visits must not be able to read their statistics.
var router = Router(cors: settings.allowedOrigins.isEmpty ? nil : CORSPolicy(allowedOrigins: settings.allowedOrigins))
router.headers = DashboardAssets.securityHeaders
StatsRoutes(figures: figures, metrics: metrics, access: access, feed: feed).install(on: &router)
let queries = HistoryQueries(endpoint: settings.history, settings: settings.queries, logger: logger)
queries.install(on: &router, access: access)
DashboardRoutes(
    assets: DashboardAssets(
        refreshMilliseconds: settings.dashboardRefreshMilliseconds, history: settings.history != nil,
        goals: !settings.queries.goals.isEmpty), feed: feed,
    access: access,
    metrics: metrics, knowsSite: { statistics.hasSite($0) }
).install(on: &router)
let server: HTTPServer
do {
    server = try HTTPServer(configuration: settings.http, responder: router, logger: logger)
} catch {
    ShutdownSignal.fail("consumer: \(error)")
}

let deadLetters: DeadLetterQueue?
do {
    deadLetters = try settings.deadLetterTopic.map { topic throws(KafkaError) in
        try DeadLetterQueue(topic: topic, brokers: settings.brokers, logger: logger)
    }
} catch {
    ShutdownSignal.fail("consumer: \(error)")
}
feed.start()
let loop = ConsumeLoop(
    consumer: consumer, statistics: statistics, logger: logger, metrics: metrics, deadLetters: deadLetters)
loop.start()
do {
    try historyWriter?.start(topic: settings.topic)
} catch {
    ShutdownSignal.fail("consumer: history writer: \(error)")
}
logger.info(
    "consumer started",
    metadata: [
        "brokers": "\(settings.brokers)", "topic": "\(settings.topic)", "group": "\(settings.group)",
        "stats_port": "\(server.port)", "stats_interval": "\(settings.statsInterval)",
        "partials_topic": "\(settings.partialsTopic ?? "off")",
    ])

let dashboardHost = ["0.0.0.0", "::"].contains(settings.http.host) ? "localhost" : settings.http.host
logger.info(
    "dashboard on http://\(dashboardHost.contains(":") ? "[\(dashboardHost)]" : dashboardHost):\(server.port)/",
    metadata: ["refresh_ms": "\(settings.dashboardRefreshMilliseconds)", "max_streams": "\(settings.maxStreams)"])
if !access.protectsStatistics && !ListenAddress.isLoopback(settings.http.host) {
    logger.warning(
        """
        the statistics are public: no STATS_TOKEN is set and STATS_HOST=\(settings.http.host) is not loopback; \
        anyone who can reach port \(server.port) can read the dashboard and /analytics
        """)
}

func printSummary() {
    StandardStreams.writeOutput(renderer.summary(figures.snapshot(), sites: statistics.sites()))
}

let printer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "stats-printer"))
printer.schedule(deadline: .now() + .seconds(settings.statsInterval), repeating: .seconds(settings.statsInterval))
printer.setEventHandler { printSummary() }
printer.resume()

let signal = ShutdownSignal.wait()
logger.info("shutting down", metadata: ["signal": "\(signal)"])
// A broker that has gone away can make the final commit wait; never hang past SHUTDOWN_TIMEOUT.
let watchdog = BackgroundThread(name: "shutdown-watchdog")
watchdog.start { stop in
    guard !stop.wait(for: .seconds(settings.shutdownTimeoutSeconds)) else { return }
    logger.error("shutdown took longer than SHUTDOWN_TIMEOUT; exiting without a final commit")
    exit(1)
}
// Open dashboards are told first, so their streams end at once, not after the final commit.
feed.stop()
queries.shutdown()
printer.cancel()
loop.stop()
printSummary()
do {
    try consumer.commit()
} catch {
    logger.warning("final commit failed", metadata: ["error": "\(error)"])
}
// Leaving the group hands every partition over through the partials exchange (the revoke
// publishes their final states), so the exchange stops only after the consumer has.
consumer.shutdown()
historyWriter?.stop()
exchange?.stop()
deadLetters?.close()
server.shutdown(timeout: .seconds(2))
history?.client.shutdown()
watchdog.stopAndJoin()
logger.info(
    "consumer stopped",
    metadata: [
        "records": "\(loop.consumed.load(ordering: .relaxed))", "threads_running": "\(BackgroundThread.runningCount)",
    ])
exit(0)
