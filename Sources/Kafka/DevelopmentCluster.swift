import CRdKafka
import Logging
import Synchronization

/// librdkafka's mock cluster (`rdkafka_mock.h`): real Kafka-protocol brokers on loopback TCP,
/// in memory, for development and integration tests.
///
/// It owns the cluster and the client it hangs off (`KafkaClient`). `shutdown()` stops the
/// brokers (their connections close); `deinit` does as a safety net. Limits (librdkafka 2.0.2):
/// random ports, no CreateTopics API, and only the last 5 MiB / 100,000 message sets kept per
/// partition.
public final class DevelopmentCluster: Sendable {
    private let client: KafkaClient
    private let cluster: Mutex<OpaquePointerBox?>
    /// The bootstrap list, read once: it is asked for after shutdown too (in messages).
    public let bootstrapServers: String

    public init(brokers: Int = 1, logger: Logger) throws(KafkaError) {
        let native = try NativeConfiguration(properties: [("client.id", "kafka-dev-broker"), ("log_level", "4")])
        client = try KafkaClient(type: RD_KAFKA_PRODUCER, configuration: native, context: ClientContext(logger: logger))
        guard let cluster = rd_kafka_mock_cluster_new(client.handle, Int32(brokers)) else {
            throw .clientCreation(reason: "the mock cluster could not be started")
        }
        bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
        self.cluster = Mutex(OpaquePointerBox(pointer: cluster))
    }

    deinit {
        shutdown()
    }

    /// Stops the brokers and frees the cluster (before its client). Safe to call more than once.
    public func shutdown() {
        guard let box = cluster.withLock({ $0.take() }) else { return }
        rd_kafka_mock_cluster_destroy(box.pointer)
    }

    /// Creates a topic (the mock has no CreateTopics API; clients would otherwise get 4 partitions).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let result = cluster.withLock { box in
            guard let box else { return RD_KAFKA_RESP_ERR__DESTROY }
            return rd_kafka_mock_topic_create(box.pointer, name, Int32(partitions), Int32(replicationFactor))
        }
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .operationFailed(
                operation: "create topic \(name)", code: result.rawValue, message: KafkaError.message(of: result))
        }
    }
}

/// A C handle as a `Mutex` can hold it. Only `DevelopmentCluster` uses it, under its lock.
struct OpaquePointerBox: @unchecked Sendable {
    // @unchecked: the pointer is only used while the owner's Mutex is held.
    let pointer: OpaquePointer
}
