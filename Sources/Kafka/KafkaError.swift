import CRdKafka

/// Errors of the Kafka layer, carrying librdkafka's code and message where there is one.
///
/// Callers switch on the case to decide what a user sees: `queueFull` and `deliveryFailed` become
/// a 503 with `Retry-After` in the producer, `configuration` stops a service at start.
public enum KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration property was refused by librdkafka.
    case configuration(property: String, value: String, reason: String)
    /// A client handle could not be created.
    case clientCreation(reason: String)
    /// librdkafka's local queue is full: back-pressure, try again later.
    case queueFull
    /// The record could not be handed to librdkafka.
    case produceFailed(code: Int32, message: String)
    /// The broker did not acknowledge the record (timeout, fatal idempotence error, ...).
    /// `possiblyPersisted` is librdkafka's `RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED`: the record was
    /// in flight when it failed and may be on the topic anyway.
    case deliveryFailed(code: Int32, message: String, possiblyPersisted: Bool = false)
    /// An operation on a consumer or cluster failed.
    case operationFailed(operation: String, code: Int32, message: String)
    /// librdkafka raised a fatal error; the client must be recreated.
    case fatal(code: Int32, message: String)
    /// The client was shut down (`shutdown()`): nothing more can be sent or read with it.
    case shutDown
    /// A completion was given to a producer that reports only failed deliveries
    /// (`reportOnlyFailures`): it would never run for a record that is delivered.
    case deliveryReportsOff

    public var description: String {
        switch self {
        case .configuration(let property, let value, let reason):
            return "invalid Kafka setting \(property)=\(value): \(reason)"
        case .clientCreation(let reason): return "could not create Kafka client: \(reason)"
        case .queueFull: return "the Kafka producer queue is full"
        case .produceFailed(let code, let message): return "could not enqueue record (\(code)): \(message)"
        case .deliveryFailed(let code, let message, let possiblyPersisted):
            return "record not delivered (\(code)): \(message)\(possiblyPersisted ? " (possibly persisted)" : "")"
        case .operationFailed(let operation, let code, let message):
            return "Kafka \(operation) failed (\(code)): \(message)"
        case .fatal(let code, let message): return "fatal Kafka error (\(code)): \(message)"
        case .shutDown: return "the Kafka client was shut down"
        case .deliveryReportsOff:
            return "this producer reports only failed deliveries (reportOnlyFailures): send without a completion, "
                + "or use a producer that reports every delivery"
        }
    }

    /// The librdkafka error name (`_MSG_TIMED_OUT`, ...) for a code.
    public static func name(of code: Int32) -> String {
        String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: code)))
    }

    static func message(of code: rd_kafka_resp_err_t) -> String {
        String(cString: rd_kafka_err2str(code))
    }
}
