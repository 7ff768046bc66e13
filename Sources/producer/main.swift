import AnalyticsCore
import Foundation
import HTTPServer
import Kafka
import Logging
import ServiceRuntime

// The producer: HTTP in, Kafka out. Configuration from the environment (README, design §2).
let (logger, settings) = ServiceStartup.begin(service: "producer") { environment throws(ConfigurationError) in
    try ProducerSettings(environment: environment)
}

let metrics = ServiceMetrics()

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
IngestionRoutes(
    publisher: publisher, validator: EventValidator(limits: settings.limits), state: state, metrics: metrics,
    deadlines: deadlines
)
.install(on: &router)

let server: HTTPServer
do {
    server = try HTTPServer(configuration: settings.http, responder: router, logger: logger)
} catch {
    ShutdownSignal.fail("producer: \(error)")
}
state.startBrokerProbe(producer: producer)
logger.info(
    "producer listening",
    metadata: [
        "port": "\(server.port)", "brokers": "\(settings.brokers)", "topic": "\(settings.topic)",
        "ack_mode": "\(settings.ackMode.rawValue)", "threads": "\(settings.http.eventLoopCount)",
    ])

let signal = ShutdownSignal.wait()
logger.info("shutting down", metadata: ["signal": "\(signal)"])
state.draining.store(true, ordering: .relaxed)
let deadline = ContinuousClock.now + .seconds(settings.shutdownTimeoutSeconds)
server.shutdown(timeout: .seconds(settings.shutdownTimeoutSeconds))
let remaining = producer.flush(timeout: max(.seconds(1), deadline - ContinuousClock.now))
if remaining > 0 {
    logger.error("records not delivered at exit", metadata: ["count": "\(remaining)"])
    exit(1)
}
logger.info("producer stopped")
exit(0)
