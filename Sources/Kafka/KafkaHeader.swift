/// One Kafka record header.
public struct KafkaHeader: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]

    public init(key: String, value: [UInt8]) {
        self.key = key
        self.value = value
    }

    public init(key: String, value: String) {
        self.init(key: key, value: Array(value.utf8))
    }
}

/// A record to produce: topic, optional key, value and headers.
public struct KafkaOutgoingMessage: Sendable, Equatable {
    public var topic: String
    public var key: [UInt8]?
    /// nil is a tombstone: on a compacted topic it deletes the key.
    public var value: [UInt8]?
    public var headers: [KafkaHeader]

    public init(topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = []) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
    }
}

/// A record read by the consumer, copied out of librdkafka's memory.
public struct KafkaRecord: Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]
    public var headers: [KafkaHeader]
    /// Whether the record has no value at all (a tombstone), not an empty one.
    public var isTombstone: Bool

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8], headers: [KafkaHeader],
        isTombstone: Bool = false
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.isTombstone = isTombstone
    }
}

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
