import CRdKafka

/// Asks the partitions' leaders for their oldest (`RD_KAFKA_OFFSET_BEGINNING`) or next
/// (`RD_KAFKA_OFFSET_END`) offsets, in one ListOffsets request per broker.
///
/// It exists so that the two readers that need it ask the same way: `KafkaTopicReader`, to know
/// how far a state topic goes, and the group consumer, to start partitions read from the
/// beginning at an absolute offset.
enum PartitionOffsets {
    /// The offset of each partition the brokers answered for (without error), within
    /// `timeoutMilliseconds`; throws when the question itself failed.
    static func query(
        _ partitions: [TopicPartition], at position: Int64, client: OpaquePointer, timeoutMilliseconds: Int32
    ) throws(KafkaError) -> [TopicPartition: Int64] {
        let list = rd_kafka_topic_partition_list_new(Int32(partitions.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for partition in partitions {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = position
        }
        let result = rd_kafka_offsets_for_times(client, list, timeoutMilliseconds)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR, let list, let elements = list.pointee.elems else {
            let topics = Set(partitions.map(\.topic)).sorted().joined(separator: ", ")
            throw .operationFailed(
                operation: "read the offsets of \(topics)", code: result.rawValue,
                message: KafkaError.message(of: result))
        }
        var offsets: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) where elements[index].err == RD_KAFKA_RESP_ERR_NO_ERROR {
            let partition = TopicPartition(
                topic: String(cString: elements[index].topic), partition: elements[index].partition)
            offsets[partition] = elements[index].offset
        }
        return offsets
    }
}
