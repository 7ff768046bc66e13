import Dispatch
import Foundation
import Kafka
import Logging
import Synchronization

/// Copies records that are not valid events to a dead-letter topic (`KAFKA_DLQ_TOPIC`), with
/// headers saying where they came from and why they were refused, so nothing is silently dropped.
///
/// A copy is waited for (up to the delivery timeout) before the source offset is stored; if the
/// dead-letter topic cannot take it, the failure is logged and consumption goes on — a poison
/// record must never stop the consumer.
final class DeadLetterQueue: Sendable {
    private let producer: KafkaProducer
    private let topic: String
    private let logger: Logger

    init(topic: String, brokers: String, logger: Logger) throws(KafkaError) {
        var configuration = KafkaProducerConfiguration(
            client: KafkaClientConfiguration(bootstrapServers: brokers, clientID: "analytics-consumer-dlq"))
        configuration.deliveryTimeoutMilliseconds = 10_000
        configuration.lingerMilliseconds = 0
        self.producer = try KafkaProducer(configuration: configuration, logger: logger)
        self.topic = topic
        self.logger = logger
    }

    /// Copies `record`, refused for `reason`; returns whether the dead-letter topic acknowledged it.
    @discardableResult
    func send(_ record: KafkaRecord, reason: String) -> Bool {
        let headers =
            record.headers + [
                KafkaHeader(key: "dlq-reason", value: reason),
                KafkaHeader(key: "dlq-source-topic", value: record.topic),
                KafkaHeader(key: "dlq-source-partition", value: String(record.partition)),
                KafkaHeader(key: "dlq-source-offset", value: String(record.offset)),
            ]
        let message = KafkaOutgoingMessage(topic: topic, key: record.key, value: record.value, headers: headers)
        let done = DispatchSemaphore(value: 0)
        let outcome = CopyOutcome()
        do {
            try producer.send(message) { result in
                outcome.settle(result.map { _ in () })
                done.signal()
            }
        } catch {
            outcome.settle(.failure(error))
            done.signal()
        }
        if done.wait(timeout: .now() + Self.copyTimeout) == .timedOut {
            outcome.settle(.failure(.deliveryFailed(code: -1, message: "no delivery report within 15 s")))
        }
        if case .failure(let error) = outcome.result {
            logger.error(
                "could not copy an invalid record to the dead-letter topic",
                metadata: [
                    "topic": "\(topic)", "partition": "\(record.partition)", "offset": "\(record.offset)",
                    "error": "\(error)",
                ])
            return false
        }
        return true
    }

    /// Longest a copy is waited for: past the delivery timeout, in case its report is late.
    static let copyTimeout = DispatchTimeInterval.seconds(15)

    /// Delivers the copies in flight (at most 5 s) and releases the producer.
    func close() {
        producer.shutdown(timeout: .seconds(5))
    }
}
