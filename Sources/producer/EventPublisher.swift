import AnalyticsCore
import Foundation
import Kafka
import Logging
import Metrics

/// Why an event was not stored; answered 503 with `Retry-After`.
enum PublishError: Error, Sendable {
    case kafka(KafkaError)

    var message: String {
        switch self {
        case .kafka(.queueFull):
            return "the server is overloaded; retry later with the same id"
        case .kafka(.deliveryFailed(_, _, possiblyPersisted: true)):
            return Self.notConfirmedInTime
        case .kafka:
            return "the event could not be stored right now; retry later with the same id"
        }
    }

    /// The answer when Kafka did not confirm in time and the record may still be stored.
    static let notConfirmedInTime =
        "the event may or may not have been stored (Kafka did not confirm in time); retry later with the same id: it is counted once"

    /// A short label for metrics.
    var reason: String {
        switch self {
        case .kafka(.queueFull): return "queue_full"
        case .kafka: return "kafka_unavailable"
        }
    }
}

/// Publishes enriched events to the topic as design §4 specifies (key `session_id`, JSON value,
/// `content-type`/`event-type`/`schema-version` headers) and reports back per `ACK_MODE`.
struct EventPublisher: Sendable {
    let producer: KafkaProducer
    let topic: String
    let ackMode: AckMode
    let codec = EventCodec()
    /// Time from handing a record to librdkafka to the broker's acknowledgement (durable mode).
    let deliveryLatency = Metrics.Timer(label: "kafka_delivery_latency_seconds")

    private static let contentTypeHeader = KafkaHeader(key: "content-type", value: "application/json")
    private static let schemaVersionHeader = KafkaHeader(key: "schema-version", value: AnalyticsEvent.schemaVersion)

    /// Publishes `event`; `completion` runs once: after the broker's acknowledgement (durable),
    /// or once librdkafka holds the record (enqueued).
    func publish(_ event: AnalyticsEvent, completion: @escaping @Sendable (Result<Void, PublishError>) -> Void) {
        let value = codec.encode(event)
        let message = KafkaOutgoingMessage(
            topic: topic,
            key: event.sessionID.map { Array($0.utf8) },
            value: value,
            headers: [
                Self.contentTypeHeader,
                KafkaHeader(key: "event-type", value: event.type),
                Self.schemaVersionHeader,
            ])
        do {
            switch ackMode {
            case .durable:
                try producer.send(message) { result in
                    switch result {
                    case .success(let report):
                        deliveryLatency.record(duration: report.latency)
                        completion(.success(()))
                    case .failure(let error): completion(.failure(.kafka(error)))
                    }
                }
            case .enqueued:
                // librdkafka retries without a time limit in this mode; a final failure is
                // logged by the Kafka layer.
                try producer.send(message, completion: nil)
            }
        } catch {
            completion(.failure(.kafka(error)))
            return
        }
        if ackMode == .enqueued { completion(.success(())) }
    }
}
