/// How the producer talks to Kafka.
public struct KafkaProducerConfiguration: Sendable, Equatable {
    public var client: KafkaClientConfiguration
    /// `linger.ms`: how long librdkafka waits to fill a batch.
    public var lingerMilliseconds = 5
    /// `message.timeout.ms`: after this a record that was not acknowledged fails its delivery report.
    public var deliveryTimeoutMilliseconds = 5000
    /// `compression.type`.
    public var compression = "lz4"
    /// `queue.buffering.max.messages`: when full, `send` answers `KafkaError.queueFull`.
    public var maxQueuedMessages = 100_000
    /// `queue.buffering.max.kbytes`.
    public var maxQueuedKilobytes = 262_144
    /// `delivery.report.only.error`: when true, only failed deliveries are reported, so `send`
    /// completions fire only on failure. For callers that do not wait for acknowledgements.
    public var reportOnlyFailures = false

    public init(client: KafkaClientConfiguration) {
        self.client = client
    }

    var properties: [(String, String)] {
        [
            ("bootstrap.servers", client.bootstrapServers),
            ("client.id", client.clientID),
            ("enable.idempotence", "true"),
            ("acks", "all"),
            ("compression.type", compression),
            ("linger.ms", String(lingerMilliseconds)),
            ("message.timeout.ms", String(deliveryTimeoutMilliseconds)),
            ("queue.buffering.max.messages", String(maxQueuedMessages)),
            ("queue.buffering.max.kbytes", String(maxQueuedKilobytes)),
            ("delivery.report.only.error", reportOnlyFailures ? "true" : "false"),
        ] + client.additionalProperties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }
}
