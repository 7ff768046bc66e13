/// The broker's acknowledgement of one produced record.
public struct DeliveryReport: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    /// Time from `send` to the acknowledgement.
    public var latency: Duration

    public init(topic: String, partition: Int32, offset: Int64, latency: Duration) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.latency = latency
    }
}
