import CRdKafka

/// Owns an `rd_kafka_conf_t` until it is handed to `rd_kafka_new`, which takes it over.
///
/// It exists so that a configuration that fails half-way is always destroyed, and one that was
/// handed over is never destroyed twice.
final class NativeConfiguration {
    private var handle: OpaquePointer?

    init(properties: [(String, String)]) throws(KafkaError) {
        handle = rd_kafka_conf_new()
        for (key, value) in properties {
            try set(key, value)
        }
    }

    deinit {
        if let handle { rd_kafka_conf_destroy(handle) }
    }

    func set(_ key: String, _ value: String) throws(KafkaError) {
        guard let handle else { return }
        let (result, reason) = ErrorBuffer.capture { rd_kafka_conf_set(handle, key, value, $0, $1) }
        guard result == RD_KAFKA_CONF_OK else { throw .configuration(property: key, value: value, reason: reason) }
    }

    /// The raw handle, for setting callbacks before creation.
    var pointer: OpaquePointer? { handle }

    /// Creates a client, transferring ownership of the configuration to it on success.
    func makeClient(type: rd_kafka_type_t) throws(KafkaError) -> OpaquePointer {
        let (client, reason) = ErrorBuffer.capture { rd_kafka_new(type, handle, $0, $1) }
        guard let client else { throw .clientCreation(reason: reason) }
        handle = nil
        return client
    }
}
