import CRdKafka
import Foundation
import Logging
import Synchronization

/// Reads every partition of one topic from the beginning, outside any consumer group, and keeps
/// following it: for state topics (like the consumer's compacted partials topic) where each
/// reader needs all of it, not a share.
///
/// It is meant to be polled from one thread. `shutdown()` stops it; `deinit` does as a safety net.
public final class KafkaTopicReader: Sendable {
    private let client: KafkaClient
    private var handle: OpaquePointer { client.handle }
    private var context: ClientContext { client.context }
    private let logger: Logger
    private let closed = Atomic<Bool>(false)
    public let topic: String
    /// The next offset to read per partition, as far as this reader got.
    private let positions = Mutex<[Int32: Int64]>([:])

    public init(client: KafkaClientConfiguration, topic: String, logger: Logger) throws(KafkaError) {
        let native = try NativeConfiguration(
            properties: [
                ("bootstrap.servers", client.bootstrapServers),
                ("client.id", client.clientID),
                // Never joins the group (partitions are assigned by hand), never commits.
                ("group.id", "\(client.clientID)-topic-reader"),
                ("enable.auto.commit", "false"),
                ("enable.auto.offset.store", "false"),
                ("enable.partition.eof", "false"),
                KafkaConsumerConfiguration.requestsWithoutDelay,
                ("queued.max.messages.kbytes", "8192"),
                // One fetch lands in memory whole, on top of the prefetch: librdkafka's defaults
                // (50 MiB, 1 MiB per partition) held tens of MB while catching up on a state
                // topic with many partitions. These are soft limits: a larger record still comes,
                // alone.
                ("fetch.max.bytes", String(2 << 20)),
                ("max.partition.fetch.bytes", String(256 << 10)),
            ] + client.additionalProperties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
        self.client = try KafkaClient(
            type: RD_KAFKA_CONSUMER, configuration: native, context: ClientContext(logger: logger))
        self.logger = logger
        self.topic = topic
        rd_kafka_poll_set_consumer(self.client.handle)
    }

    deinit {
        shutdown()
    }

    /// Stops reading. Safe to call more than once; polling afterwards returns nothing.
    public func shutdown() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        rd_kafka_consumer_close(handle)
    }

    /// Starts reading every partition of the topic from its oldest record. Throws
    /// `KafkaError.operationFailed` when the topic does not exist or the broker is unreachable
    /// within `timeout`.
    public func start(timeout: Duration) throws(KafkaError) {
        let count = try TopicMetadata.partitionCount(of: topic, client: handle, timeout: timeout)
        let list = rd_kafka_topic_partition_list_new(count)
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in 0..<count {
            rd_kafka_topic_partition_list_add(list, topic, partition)?.pointee.offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
            positions.withLock { $0[partition] = 0 }
        }
        let result = rd_kafka_assign(handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .operationFailed(
                operation: "assign \(topic)", code: result.rawValue, message: KafkaError.message(of: result))
        }
    }

    /// Waits up to `timeoutMilliseconds` for the next record; nil on timeout and after transient
    /// errors (logged).
    public func poll(timeoutMilliseconds: Int32) throws(KafkaError) -> KafkaRecord? {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMilliseconds) else { return nil }
        defer { rd_kafka_message_destroy(message) }
        guard try context.carriesRecord(message, source: "topic reader") else { return nil }
        let raw = message.pointee
        positions.withLock { $0[raw.partition] = raw.offset + 1 }
        return KafkaConsumer.record(from: message)
    }

    /// The end of every partition now (the offset the next record will get); partitions with
    /// nothing to read are left out. Safe to call from any thread.
    ///
    /// Kafka answers a connection's requests in order, so over this reader's own connection the
    /// question waits behind its parked fetch (up to `fetch.wait.max.ms`, 500 ms) whenever the
    /// topic is quiet; pass another client (`producer`) to ask over its connection instead.
    public func endOffsets(askingThrough producer: KafkaProducer? = nil) throws(KafkaError) -> [Int32: Int64] {
        let client = producer?.handle ?? handle
        let partitions = positions.withLock { Array($0.keys) }
        let oldest = try offsets(of: partitions, at: Int64(RD_KAFKA_OFFSET_BEGINNING), client: client)
        let ends = try offsets(of: partitions, at: Int64(RD_KAFKA_OFFSET_END), client: client)
        // An empty partition (or one whose records all expired) has nothing to wait for.
        return ends.filter { $0.value > oldest[$0.key, default: 0] }
    }

    /// The oldest (`RD_KAFKA_OFFSET_BEGINNING`) or next (`RD_KAFKA_OFFSET_END`) offset of each
    /// partition of the topic, in one request per broker.
    private func offsets(of partitions: [Int32], at position: Int64, client: OpaquePointer) throws(KafkaError)
        -> [Int32: Int64]
    {
        let answers = try PartitionOffsets.query(
            partitions.map { TopicPartition(topic: topic, partition: $0) }, at: position, client: client,
            timeoutMilliseconds: 5000)
        return Dictionary(uniqueKeysWithValues: answers.map { ($0.key.partition, $0.value) })
    }

    /// Whether this reader has read up to `ends` (from `endOffsets`). Safe to call from any thread.
    public func hasRead(upTo ends: [Int32: Int64]) -> Bool {
        positions.withLock { positions in ends.allSatisfy { positions[$0.key, default: 0] >= $0.value } }
    }

    /// Reads until every partition is at the end it had when called (or `timeout` passes, or
    /// `stopping` says so), handing each record to `handle`. Returns whether it got there.
    public func catchUp(
        timeout: Duration, stopping: () -> Bool = { false }, _ handle: (KafkaRecord) -> Void
    ) throws(KafkaError) -> Bool {
        let deadline = ContinuousClock.now + timeout
        let ends = try endOffsets()
        while !hasRead(upTo: ends) {
            guard ContinuousClock.now < deadline, !stopping() else { return false }
            if let record = try poll(timeoutMilliseconds: 100) { handle(record) }
        }
        return true
    }
}
