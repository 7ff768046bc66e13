import AnalyticsCore
import Foundation
import HTTPServer
import Kafka
import Logging
import ServiceRuntime

// The consumer: joins the group, aggregates, prints the summary every STATS_INTERVAL seconds,
// serves /analytics and /health on STATS_PORT.
let (logger, settings) = ServiceStartup.begin(service: "consumer") { environment throws(ConfigurationError) in
    try ConsumerSettings(environment: environment)
}

var aggregation = AggregatorConfiguration()
aggregation.sessionTimeout = Double(settings.sessionTimeoutMinutes) * 60
aggregation.topPagesLimit = settings.topPages
aggregation.deduplicationWindow = settings.deduplicationWindow
let statistics = LiveStatistics(configuration: aggregation)
let renderer = StatsRenderer()

let metrics = ServiceMetrics()

// Where each assigned partition is read from: after what this process already applied; on a
// partition new to the process, from the oldest retained record when rebuilding the statistics
// on start (REBUILD_ON_START, the default), else from the group's committed offset.
let applied = AppliedOffsets()
let rebuild = settings.rebuildOnStart
let consumer: KafkaConsumer
do {
    consumer = try KafkaConsumer(
        configuration: settings.kafka, logger: logger,
        startPosition: { partition in
            if let next = applied.nextOffset(for: partition) { return .offset(next) }
            return rebuild ? .beginning : .committed
        })
    try consumer.subscribe(topics: [settings.topic])
} catch {
    ShutdownSignal.fail("consumer: \(error)")
}

var router = Router(cors: CORSPolicy())
StatsRoutes(statistics: statistics, consumer: consumer, metrics: metrics).install(on: &router)
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
let loop = ConsumeLoop(
    consumer: consumer, statistics: statistics, logger: logger, metrics: metrics, deadLetters: deadLetters,
    applied: applied)
loop.start()
logger.info(
    "consumer started",
    metadata: [
        "brokers": "\(settings.brokers)", "topic": "\(settings.topic)", "group": "\(settings.group)",
        "stats_port": "\(server.port)", "stats_interval": "\(settings.statsInterval)",
    ])

func printSummary() {
    FileHandle.standardOutput.write(Data(renderer.summary(statistics.snapshot()).utf8))
}

let printer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "stats-printer"))
printer.schedule(deadline: .now() + .seconds(settings.statsInterval), repeating: .seconds(settings.statsInterval))
printer.setEventHandler { printSummary() }
printer.resume()

let signal = ShutdownSignal.wait()
logger.info("shutting down", metadata: ["signal": "\(signal)"])
// A broker that has gone away can make the final commit wait; never hang past SHUTDOWN_TIMEOUT.
let watchdog = Thread {
    Thread.sleep(forTimeInterval: Double(settings.shutdownTimeoutSeconds))
    logger.error("shutdown took longer than SHUTDOWN_TIMEOUT; exiting without a final commit")
    exit(1)
}
watchdog.start()
printer.cancel()
loop.stop()
printSummary()
do {
    try consumer.commit()
} catch {
    logger.warning("final commit failed", metadata: ["error": "\(error)"])
}
consumer.close()
deadLetters?.close()
server.shutdown(timeout: .seconds(2))
logger.info("consumer stopped", metadata: ["records": "\(loop.consumed.load(ordering: .relaxed))"])
exit(0)
