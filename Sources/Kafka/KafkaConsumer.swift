import CRdKafka
import Foundation
import Logging
import Synchronization

/// A Kafka consumer-group member with at-least-once semantics: offsets are stored only when the
/// application says a record was applied (`storeOffset`), and committed periodically, on
/// rebalance and on `shutdown`.
///
/// It is meant to be polled from one thread. `shutdown()` commits, leaves the group and stops the
/// fetch-stall guard; the client itself goes when the last batch polled from it does
/// (`KafkaClient`). `deinit` shuts down as a safety net.
public final class KafkaConsumer: Sendable {
    private let client: KafkaClient
    private var handle: OpaquePointer { client.handle }
    private var context: ClientContext { client.context }
    private let logger: Logger
    private let closed = Atomic<Bool>(false)
    /// Wakes librdkafka's fetchers after a backlog drained (librdkafka before 2.1 only).
    private let stallGuard: FetchStallGuard?

    public init(
        configuration: KafkaConsumerConfiguration, logger: Logger,
        onRebalance: @escaping @Sendable (RebalanceEvent) -> Void = { _ in },
        startPosition: @escaping @Sendable (TopicPartition) -> StartPosition = { _ in .committed }
    ) throws(KafkaError) {
        let native = try NativeConfiguration(properties: configuration.properties)
        let context = ClientContext(logger: logger, onRebalance: onRebalance, startPosition: startPosition)
        client = try KafkaClient(type: RD_KAFKA_CONSUMER, configuration: native, context: context) { conf in
            rd_kafka_conf_set_rebalance_cb(conf) { client, error, partitions, opaque in
                guard let client, let opaque else { return }
                let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
                context.rebalance(client: client, error: error, partitions: partitions)
            }
            rd_kafka_conf_set_offset_commit_cb(conf) { _, error, _, opaque in
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR, let opaque else { return }
                Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue().lastCommitMilliseconds.store(
                    Int64(Date().timeIntervalSince1970 * 1000), ordering: .relaxed)
            }
        }
        self.logger = logger
        rd_kafka_poll_set_consumer(client.handle)
        self.stallGuard = FetchStallGuard.isNeeded ? FetchStallGuard(client: client) : nil
    }

    deinit {
        shutdown()
    }

    /// Joins the group and subscribes to `topics`.
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = rd_kafka_topic_partition_list_new(Int32(topics.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for topic in topics {
            rd_kafka_topic_partition_list_add(list, topic, RD_KAFKA_PARTITION_UA)
        }
        let result = rd_kafka_subscribe(handle, list)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            throw .operationFailed(
                operation: "subscribe", code: result.rawValue, message: KafkaError.message(of: result))
        }
    }

    /// Waits up to `timeoutMilliseconds` for records and returns those already fetched, at most
    /// `maxRecords` (empty on timeout; transient errors are logged). One call per batch instead of
    /// per record; rebalance callbacks run inside it as in `poll`. Throws on a fatal error.
    public func poll(maxRecords: Int, timeoutMilliseconds: Int32) throws(KafkaError) -> [KafkaRecord] {
        let batch = try pollBatch(maxRecords: maxRecords, timeoutMilliseconds: timeoutMilliseconds)
        return (0..<batch.count).map(batch.record(at:))
    }

    /// `poll(maxRecords:timeoutMilliseconds:)` without copying the records out of librdkafka:
    /// the batch lends each value in place until it is released.
    public func pollBatch(maxRecords: Int, timeoutMilliseconds: Int32) throws(KafkaError) -> KafkaMessageBatch {
        let polled = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>.allocate(capacity: maxRecords)
        defer { polled.deallocate() }
        var count = 0
        if let queue = rd_kafka_queue_get_consumer(handle) {
            count = max(0, rd_kafka_consume_batch_queue(queue, timeoutMilliseconds, polled, maxRecords))
            rd_kafka_queue_destroy(queue)
        }
        stallGuard?.observe(batchSize: maxRecords)
        let records = UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>>.allocate(capacity: max(1, count))
        var kept = 0
        var failure: KafkaError?
        for index in 0..<count {
            guard let message = polled[index] else { continue }
            // Every message is kept or destroyed even after a fatal error; the error is thrown at the end.
            do {
                if try context.carriesRecord(message, source: "consumer") {
                    records[kept] = message
                    kept += 1
                    continue
                }
            } catch {
                failure = error
            }
            rd_kafka_message_destroy(message)
        }
        let batch = KafkaMessageBatch(taking: records, count: kept, of: client)
        // A rebalance callback that ran inside the call may have made the client fatal.
        if let failure = failure ?? context.fatal { throw failure }
        return batch
    }

    /// Waits up to `timeoutMilliseconds` for the next record. Returns nil on timeout and after
    /// transient errors (which are logged); throws on a fatal error.
    public func poll(timeoutMilliseconds: Int32) throws(KafkaError) -> KafkaRecord? {
        guard let message = rd_kafka_consumer_poll(handle, timeoutMilliseconds) else {
            if let fatal = context.fatal { throw fatal }
            return nil
        }
        defer { rd_kafka_message_destroy(message) }
        return try record(carriedBy: message)
    }

    /// The record a polled message carries; nil for a partition end or a transient error (logged).
    /// Throws on a fatal error.
    private func record(carriedBy message: UnsafeMutablePointer<rd_kafka_message_t>) throws(KafkaError) -> KafkaRecord?
    {
        try context.carriesRecord(message, source: "consumer") ? Self.record(from: message) : nil
    }

    /// A copy of a fetched message that outlives it.
    static func record(from message: UnsafeMutablePointer<rd_kafka_message_t>) -> KafkaRecord {
        let raw = message.pointee
        let topic = raw.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? ""
        let value: [UInt8] =
            raw.payload.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.len)) } ?? []
        let key: [UInt8]? = raw.key.map { Array(UnsafeRawBufferPointer(start: $0, count: raw.key_len)) }
        return KafkaRecord(
            topic: topic, partition: raw.partition, offset: raw.offset, key: key, value: value,
            headers: Self.headers(of: message), isTombstone: raw.payload == nil)
    }

    private static func headers(of message: UnsafeMutablePointer<rd_kafka_message_t>) -> [KafkaHeader] {
        var headers: OpaquePointer?
        guard rd_kafka_message_headers(message, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR, let headers else {
            return []
        }
        var result: [KafkaHeader] = []
        var index = 0
        while true {
            var name: UnsafePointer<CChar>?
            var value: UnsafeRawPointer?
            var size = 0
            guard rd_kafka_header_get_all(headers, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR else {
                break
            }
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) } ?? []
            result.append(KafkaHeader(key: name.map { String(cString: $0) } ?? "", value: bytes))
            index += 1
        }
        return result
    }

    /// Marks every partition's records up to the given offsets as applied: each offset + 1 will
    /// be committed. One call for a whole batch.
    public func storeOffsets(_ lastApplied: [TopicPartition: Int64]) throws(KafkaError) {
        guard !lastApplied.isEmpty else { return }
        let list = rd_kafka_topic_partition_list_new(Int32(lastApplied.count))
        defer { rd_kafka_topic_partition_list_destroy(list) }
        for (partition, offset) in lastApplied {
            rd_kafka_topic_partition_list_add(list, partition.topic, partition.partition)?.pointee.offset = offset + 1
        }
        let result = rd_kafka_offsets_store(handle, list)
        // _STATE: a partition was revoked meanwhile; its next owner will read the records again.
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR || result == RD_KAFKA_RESP_ERR__STATE else {
            throw .operationFailed(
                operation: "offset store", code: result.rawValue, message: KafkaError.message(of: result))
        }
    }

    /// Marks `record` as applied: its offset + 1 will be committed.
    public func storeOffset(_ record: KafkaRecord) throws(KafkaError) {
        try storeOffsets([TopicPartition(topic: record.topic, partition: record.partition): record.offset])
    }

    /// Commits the stored offsets now and waits for the broker's answer.
    public func commit() throws(KafkaError) {
        let result = rd_kafka_commit(handle, nil, 0)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR || result == RD_KAFKA_RESP_ERR__NO_OFFSET else {
            throw .operationFailed(operation: "commit", code: result.rawValue, message: KafkaError.message(of: result))
        }
    }

    /// The partitions this member owns now.
    public var assignment: [TopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        return ClientContext.partitions(list)
    }

    /// Records between this member's position and the end of each assigned partition, from
    /// librdkafka's cached high watermarks (no broker round trip). A partition whose position or
    /// watermark is not known yet is left out.
    public func lag() -> [TopicPartition: Int64] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        guard rd_kafka_assignment(handle, &list) == RD_KAFKA_RESP_ERR_NO_ERROR, let list else { return [:] }
        defer { rd_kafka_topic_partition_list_destroy(list) }
        guard rd_kafka_position(handle, list) == RD_KAFKA_RESP_ERR_NO_ERROR, let elements = list.pointee.elems else {
            return [:]
        }
        var result: [TopicPartition: Int64] = [:]
        for index in 0..<Int(list.pointee.cnt) {
            let element = elements[index]
            var low: Int64 = -1
            var high: Int64 = -1
            guard
                rd_kafka_get_watermark_offsets(handle, element.topic, element.partition, &low, &high)
                    == RD_KAFKA_RESP_ERR_NO_ERROR, high >= 0
            else { continue }
            let position = element.offset >= 0 ? element.offset : low
            guard position >= 0 else { continue }
            result[TopicPartition(topic: String(cString: element.topic), partition: element.partition)] = max(
                0, high - position)
        }
        return result
    }

    /// The number of partitions of `topic`, from the cluster's metadata.
    public func partitionCount(of topic: String, timeout: Duration) throws(KafkaError) -> Int32 {
        try TopicMetadata.partitionCount(of: topic, client: handle, timeout: timeout)
    }

    /// The oldest offset still held and the next offset to be written, of each of `partitions`
    /// now, asked of their leaders (a broker round trip; it may run inside a rebalance callback).
    public func bounds(of partitions: [TopicPartition], timeoutMilliseconds: Int32) throws(KafkaError)
        -> [TopicPartition: (oldest: Int64, next: Int64)]
    {
        let oldest = try PartitionOffsets.query(
            partitions, at: Int64(RD_KAFKA_OFFSET_BEGINNING), client: handle, timeoutMilliseconds: timeoutMilliseconds)
        let next = try PartitionOffsets.query(
            partitions, at: Int64(RD_KAFKA_OFFSET_END), client: handle, timeoutMilliseconds: timeoutMilliseconds)
        var result: [TopicPartition: (oldest: Int64, next: Int64)] = [:]
        for partition in partitions {
            guard let first = oldest[partition], let end = next[partition], first >= 0, end >= first else {
                throw .operationFailed(
                    operation: "read the offsets of \(partition)", code: RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION.rawValue,
                    message: "the partition's leader did not answer")
            }
            result[partition] = (first, end)
        }
        return result
    }

    /// How often a drained backlog made this consumer wake librdkafka's fetchers (always 0 with
    /// librdkafka 2.1 or later, which needs no help; see `FetchStallGuard`).
    public var fetchWakeups: Int { stallGuard?.wakeCount ?? 0 }

    /// When offsets were last committed successfully (periodic, on revoke, or explicit), if ever:
    /// the consumer's checkpoint of its progress.
    public var lastSuccessfulCommit: Date? {
        let milliseconds = context.lastCommitMilliseconds.load(ordering: .relaxed)
        return milliseconds > 0 ? Date(timeIntervalSince1970: Double(milliseconds) / 1000) : nil
    }

    /// Commits stored offsets, leaves the group and stops the fetch-stall guard. Safe to call more
    /// than once; polling afterwards returns nothing.
    public func shutdown() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        let result = rd_kafka_consumer_close(handle)
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("consumer close failed", metadata: ["code": "\(KafkaError.name(of: result.rawValue))"])
        }
        stallGuard?.stop()
    }
}

extension ClientContext {
    /// Commits what was applied before partitions are given away, then applies the new assignment.
    func rebalance(
        client handle: OpaquePointer, error: rd_kafka_resp_err_t,
        partitions: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
    ) {
        let list = partitions.map(Self.partitions) ?? []
        let names = list.map(\.description).joined(separator: ",")
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            logger.info("partitions assigned", metadata: ["partitions": "\(names)"])
            onRebalance(.assigning(list))
            if let partitions, let elements = partitions.pointee.elems {
                var fromBeginning: [(index: Int, partition: TopicPartition)] = []
                for index in 0..<Int(partitions.pointee.cnt) {
                    let partition = TopicPartition(
                        topic: String(cString: elements[index].topic), partition: elements[index].partition)
                    switch startPosition(partition) {
                    case .committed: elements[index].offset = Int64(RD_KAFKA_OFFSET_INVALID)
                    case .beginning:
                        elements[index].offset = Int64(RD_KAFKA_OFFSET_BEGINNING)
                        fromBeginning.append((index, partition))
                    case .offset(let offset): elements[index].offset = offset
                    }
                }
                resolveBeginnings(client: handle, of: elements, fromBeginning)
            }
            let result = rd_kafka_assign(handle, partitions)
            guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
                // Not reading partitions the group gave this member would stall them silently
                // until the next rebalance: the consumer stops instead, loudly.
                fail(
                    .operationFailed(
                        operation: "assign \(names)", code: result.rawValue, message: KafkaError.message(of: result)))
                return
            }
            onRebalance(.assigned(list))
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            logger.info("partitions revoked", metadata: ["partitions": "\(names)"])
            onRebalance(.revoked(list))
            let result = rd_kafka_commit(handle, nil, 0)
            if result != RD_KAFKA_RESP_ERR_NO_ERROR && result != RD_KAFKA_RESP_ERR__NO_OFFSET {
                logger.warning("commit on revoke failed", metadata: ["code": "\(KafkaError.name(of: result.rawValue))"])
            }
            unassign(handle)
        default:
            logger.error("rebalance error", metadata: ["code": "\(KafkaError.name(of: error.rawValue))"])
            unassign(handle)
        }
    }

    /// Gives up every partition; a failure means the member cannot follow the group any more.
    private func unassign(_ handle: OpaquePointer) {
        let result = rd_kafka_assign(handle, nil)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            fail(
                .operationFailed(operation: "unassign", code: result.rawValue, message: KafkaError.message(of: result)))
            return
        }
    }

    /// Replaces the logical "beginning" of the `partitions` (at their indexes in `elements`) with
    /// their oldest offsets, asked of their leaders in one request per broker; a partition whose
    /// answer does not come within `beginningsTimeout` keeps the logical offset. It runs inside
    /// the rebalance callback, on the polling thread, so the wait is kept short.
    ///
    /// librdkafka 2.0.2 resolves a logical start offset itself, but a partition assigned before
    /// its leader is known asks again only after 500 ms; an absolute offset starts its fetcher at once.
    private func resolveBeginnings(
        client handle: OpaquePointer, of elements: UnsafeMutablePointer<rd_kafka_topic_partition_t>,
        _ partitions: [(index: Int, partition: TopicPartition)]
    ) {
        guard !partitions.isEmpty else { return }
        do {
            let oldest = try PartitionOffsets.query(
                partitions.map(\.partition), at: Int64(RD_KAFKA_OFFSET_BEGINNING), client: handle,
                timeoutMilliseconds: Self.beginningsTimeoutMilliseconds)
            for (index, partition) in partitions {
                if let offset = oldest[partition], offset >= 0 { elements[index].offset = offset }
            }
        } catch {
            logger.debug("starting from the logical beginning", metadata: ["reason": "\(error)"])
        }
    }

    /// How long an assignment waits for its partitions' oldest offsets, at most.
    static let beginningsTimeoutMilliseconds: Int32 = 500

    static func partitions(_ list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> [TopicPartition] {
        let count = Int(list.pointee.cnt)
        guard count > 0, let elements = list.pointee.elems else { return [] }
        return (0..<count).map { index in
            TopicPartition(topic: String(cString: elements[index].topic), partition: elements[index].partition)
        }
    }
}
