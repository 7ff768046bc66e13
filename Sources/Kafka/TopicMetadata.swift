import CRdKafka
import Foundation

/// What the cluster's metadata says of a topic, asked the same way by every client that needs it.
enum TopicMetadata {
    /// The number of partitions of `topic`, asked until it is known or `timeout` passes (a topic
    /// just created, or a broker still starting, answers "unknown topic" for a while).
    static func partitionCount(of topic: String, client handle: OpaquePointer, timeout: Duration) throws(KafkaError)
        -> Int32
    {
        let deadline = ContinuousClock.now + timeout
        var lastError = RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC
        repeat {
            let topicHandle = rd_kafka_topic_new(handle, topic, nil)
            defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
            var metadata: UnsafePointer<rd_kafka_metadata>?
            let result = rd_kafka_metadata(handle, 0, topicHandle, &metadata, 2000)
            if result == RD_KAFKA_RESP_ERR_NO_ERROR, let metadata {
                defer { rd_kafka_metadata_destroy(metadata) }
                if metadata.pointee.topic_cnt > 0, let topics = metadata.pointee.topics {
                    let entry = topics[0]
                    if entry.err == RD_KAFKA_RESP_ERR_NO_ERROR && entry.partition_cnt > 0 { return entry.partition_cnt }
                    lastError = entry.err == RD_KAFKA_RESP_ERR_NO_ERROR ? RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC : entry.err
                }
            } else {
                lastError = result
            }
            Thread.sleep(forTimeInterval: 0.2)
        } while ContinuousClock.now < deadline
        throw .operationFailed(
            operation: "find topic \(topic)", code: lastError.rawValue, message: KafkaError.message(of: lastError))
    }
}
