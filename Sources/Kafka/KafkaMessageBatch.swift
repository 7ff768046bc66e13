import CRdKafka

/// The records one `KafkaConsumer.pollBatch` fetched, read in place in librdkafka's buffers.
///
/// It exists for the consume loop's hot path: copying every value, key and header list into a
/// `KafkaRecord` cost an allocation and a copy per record only to be thrown away after decoding.
/// `withValue(at:)` lends the bytes instead, and `record(at:)` makes the full copy for the rare
/// record that must outlive the batch (a dead letter).
///
/// It owns the messages and destroys them in `deinit`, and holds their client until then, so it
/// may outlive its consumer; use it on one thread. An index out of `0..<count` traps.
public final class KafkaMessageBatch {
    private let messages: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>>
    /// The client the messages belong to, destroyed only after them.
    private let client: KafkaClient
    /// Records in the batch.
    public let count: Int
    /// The topic of the last record asked for, by its librdkafka handle: a batch is almost always
    /// one topic, so its name is made once.
    private var lastTopic: (handle: OpaquePointer, name: String)?

    /// Takes ownership of `count` messages (every one a record, none an error).
    init(
        taking messages: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>>, count: Int,
        of client: KafkaClient
    ) {
        self.messages = messages
        self.count = count
        self.client = client
    }

    /// The message at `index`, checked: a pointer read past the batch would be any memory.
    private func message(at index: Int) -> UnsafeMutablePointer<rd_kafka_message_t> {
        precondition(index >= 0 && index < count, "record \(index) of a batch of \(count)")
        return messages[index]
    }

    deinit {
        for index in 0..<count { rd_kafka_message_destroy(messages[index]) }
        messages.deallocate()
    }

    public var isEmpty: Bool { count == 0 }

    public func partition(at index: Int) -> Int32 { message(at: index).pointee.partition }

    public func offset(at index: Int) -> Int64 { message(at: index).pointee.offset }

    public func topic(at index: Int) -> String {
        guard let handle = message(at: index).pointee.rkt else { return "" }
        if let lastTopic, lastTopic.handle == handle { return lastTopic.name }
        let name = String(cString: rd_kafka_topic_name(handle))
        lastTopic = (handle, name)
        return name
    }

    /// Lends the record's value to `body`; the bytes are valid only inside it.
    public func withValue<Result, Failure: Error>(
        at index: Int, _ body: (UnsafeRawBufferPointer) throws(Failure) -> Result
    ) throws(Failure) -> Result {
        let message = message(at: index).pointee
        return try body(UnsafeRawBufferPointer(start: message.payload, count: message.payload == nil ? 0 : message.len))
    }

    /// A copy of the record (value, key and headers) that outlives the batch.
    public func record(at index: Int) -> KafkaRecord {
        KafkaConsumer.record(from: message(at: index))
    }
}
