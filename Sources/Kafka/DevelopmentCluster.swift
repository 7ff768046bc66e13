import CRdKafka
import Logging

/// librdkafka's mock cluster (`rdkafka_mock.h`): real Kafka-protocol brokers on loopback TCP,
/// in memory, for development and integration tests.
///
/// It owns the `rd_kafka_t` the mock cluster hangs off and the cluster itself, and destroys both
/// in `deinit` (cluster first). Limits (librdkafka 2.0.2): random ports, no CreateTopics API,
/// and only the last 5 MiB / 100,000 message sets kept per partition.
public final class DevelopmentCluster: @unchecked Sendable {
    // @unchecked: both pointers are immutable; the mock cluster runs on its own thread.
    private let client: OpaquePointer
    private let cluster: OpaquePointer
    private let contextReference: Unmanaged<ClientContext>

    public init(brokers: Int = 1, logger: Logger) throws(KafkaError) {
        let native = try NativeConfiguration(properties: [("client.id", "kafka-dev-broker"), ("log_level", "4")])
        let context = ClientContext(logger: logger)
        context.install(on: native)
        contextReference = Unmanaged.passRetained(context)
        do {
            client = try native.makeClient(type: RD_KAFKA_PRODUCER)
        } catch {
            contextReference.release()
            throw error
        }
        guard let cluster = rd_kafka_mock_cluster_new(client, Int32(brokers)) else {
            rd_kafka_destroy(client)
            contextReference.release()
            throw .clientCreation(reason: "the mock cluster could not be started")
        }
        self.cluster = cluster
    }

    deinit {
        rd_kafka_mock_cluster_destroy(cluster)
        rd_kafka_destroy(client)
        contextReference.release()
    }

    /// The brokers' `host:port` list.
    public var bootstrapServers: String {
        String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    /// Creates a topic (the mock has no CreateTopics API; clients would otherwise get 4 partitions).
    public func createTopic(_ name: String, partitions: Int, replicationFactor: Int = 1) throws(KafkaError) {
        let result = rd_kafka_mock_topic_create(cluster, name, Int32(partitions), Int32(replicationFactor))
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .operationFailed(
                operation: "create topic \(name)", code: result.rawValue, message: KafkaError.message(of: result))
        }
    }
}
