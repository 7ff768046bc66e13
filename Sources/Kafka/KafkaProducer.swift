import CRdKafka
import Foundation
import Logging
import Synchronization

/// An idempotent Kafka producer (`enable.idempotence=true`, so `acks=all`) whose every `send`
/// completes exactly once with its broker acknowledgement or an error.
///
/// It owns one `rd_kafka_t` and frees it in `deinit`. A dedicated thread polls librdkafka for
/// delivery reports, so completions never run on — or block — the caller's threads.
public final class KafkaProducer: @unchecked Sendable {
    // @unchecked: `handle` is immutable after init and librdkafka's producer API is thread-safe.
    /// Internal so a `KafkaTopicReader` can ask for offsets over this client's connections.
    let handle: OpaquePointer
    private let context: ClientContext
    private let contextReference: Unmanaged<ClientContext>
    private let logger: Logger
    private let stopPolling = Atomic<Bool>(false)
    private let pollThreadDone = DispatchSemaphore(value: 0)
    private let pollThreadStarted = Atomic<Bool>(false)

    public init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        let native = try NativeConfiguration(properties: configuration.properties)
        let context = ClientContext(logger: logger)
        context.install(on: native)
        if let conf = native.pointer {
            rd_kafka_conf_set_dr_msg_cb(conf) { _, message, opaque in
                guard let message, let opaque else { return }
                if message.pointee.err != RD_KAFKA_RESP_ERR_NO_ERROR && message.pointee._private == nil {
                    // Sent without a completion: nobody waits for it, so the failure is logged.
                    let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
                    context.logger.error(
                        "record not delivered",
                        metadata: [
                            "code": "\(KafkaError.name(of: message.pointee.err.rawValue))",
                            "reason": "\(KafkaError.message(of: message.pointee.err))",
                        ])
                }
                DeliveryContext.complete(message)
            }
        }
        self.contextReference = Unmanaged.passRetained(context)
        do {
            self.handle = try native.makeClient(type: RD_KAFKA_PRODUCER)
        } catch {
            contextReference.release()
            throw error
        }
        self.context = context
        self.logger = logger
        startPollThread()
    }

    deinit {
        stopPolling.store(true, ordering: .relaxed)
        if pollThreadStarted.load(ordering: .relaxed) { pollThreadDone.wait() }
        rd_kafka_destroy(handle)
        contextReference.release()
    }

    private func startPollThread() {
        let stop = Unmanaged.passUnretained(self)
        pollThreadStarted.store(true, ordering: .relaxed)
        let thread = Thread { [pollThreadDone] in
            // The thread only uses the handle, which outlives it: deinit waits for it to finish.
            let producer = stop.takeUnretainedValue()
            while !producer.stopPolling.load(ordering: .relaxed) {
                rd_kafka_poll(producer.handle, 100)
            }
            pollThreadDone.signal()
        }
        thread.name = "kafka-delivery-reports"
        thread.start()
    }

    /// Hands a record to librdkafka. `completion` runs once, on the delivery-report thread, with
    /// the broker's acknowledgement or the reason it failed. Throws at once (and never calls
    /// `completion`) when the record cannot be enqueued; `KafkaError.queueFull` is back-pressure.
    public func send(
        _ message: KafkaOutgoingMessage,
        completion: (@Sendable (Result<DeliveryReport, KafkaError>) -> Void)?
    ) throws(KafkaError) {
        if let fatal = context.fatal { throw fatal }
        // Without a completion nothing is allocated per record; a failed delivery is logged.
        let opaque = completion.map {
            Unmanaged.passRetained(DeliveryContext(topic: message.topic, completion: $0)).toOpaque()
        }
        let headers = rd_kafka_headers_new(message.headers.count)
        for header in message.headers {
            header.value.withUnsafeBytes { bytes in
                _ = rd_kafka_header_add(headers, header.key, -1, bytes.baseAddress, bytes.count)
            }
        }
        func produce(_ value: UnsafeRawBufferPointer?) -> rd_kafka_resp_err_t {
            if let key = message.key {
                return key.withUnsafeBytes { keyBytes in
                    crdkafka_produce(
                        handle, message.topic, keyBytes.baseAddress, keyBytes.count, value?.baseAddress,
                        value?.count ?? 0, headers, opaque)
                }
            }
            return crdkafka_produce(
                handle, message.topic, nil, 0, value?.baseAddress, value?.count ?? 0, headers, opaque)
        }
        // A nil value is sent as no payload at all: a tombstone.
        let result = message.value.map { $0.withUnsafeBytes { produce($0) } } ?? produce(nil)
        guard result == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_headers_destroy(headers)
            if let opaque { Unmanaged<DeliveryContext>.fromOpaque(opaque).release() }
            if result == RD_KAFKA_RESP_ERR__QUEUE_FULL { throw .queueFull }
            throw .produceFailed(code: result.rawValue, message: KafkaError.message(of: result))
        }
    }

    /// Sends and waits for the delivery report.
    public func send(_ message: KafkaOutgoingMessage) async throws(KafkaError) -> DeliveryReport {
        let result: Result<DeliveryReport, KafkaError> = await withCheckedContinuation { continuation in
            do throws(KafkaError) {
                try send(message) { continuation.resume(returning: $0) }
            } catch {
                continuation.resume(returning: .failure(error))
            }
        }
        return try result.get()
    }

    /// Records waiting in librdkafka (not yet acknowledged), including delivery reports not yet served.
    public var queueDepth: Int { Int(rd_kafka_outq_len(handle)) }

    /// Waits until every record is acknowledged or failed, at most `timeout`. Returns how many are left.
    @discardableResult
    public func flush(timeout: Duration) -> Int {
        let result = rd_kafka_flush(handle, Self.milliseconds(timeout))
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("flush timed out", metadata: ["remaining": "\(queueDepth)"])
        }
        return queueDepth
    }

    /// A timeout as librdkafka takes it, sub-second part included.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000)
    }

    /// Asks the broker for metadata, to learn whether it is reachable now.
    ///
    /// With `topic`, asks about that topic, which also puts its partitions in librdkafka's cache:
    /// otherwise the first record for a topic the client has not met yet waits for the next
    /// periodic topic scan (up to a second) before its metadata is even requested.
    public func checkBrokers(topic: String? = nil, timeout: Duration = .seconds(2)) -> Bool {
        let topicHandle = topic.flatMap { rd_kafka_topic_new(handle, $0, nil) }
        defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
        var metadata: UnsafePointer<rd_kafka_metadata>?
        let result = rd_kafka_metadata(handle, 0, topicHandle, &metadata, Self.milliseconds(timeout))
        if let metadata { rd_kafka_metadata_destroy(metadata) }
        return result == RD_KAFKA_RESP_ERR_NO_ERROR
    }
}

/// What a produced record needs when its delivery report arrives: who to tell and when it was sent.
///
/// Retained through the message's opaque pointer from `send` until the report, then released
/// exactly once.
final class DeliveryContext: Sendable {
    let topic: String
    let completion: @Sendable (Result<DeliveryReport, KafkaError>) -> Void
    let sentAt = ContinuousClock.now

    init(topic: String, completion: @escaping @Sendable (Result<DeliveryReport, KafkaError>) -> Void) {
        self.topic = topic
        self.completion = completion
    }

    static func complete(_ pointer: UnsafePointer<rd_kafka_message_t>) {
        let message = pointer.pointee
        guard let opaque = message._private else { return }
        let context = Unmanaged<DeliveryContext>.fromOpaque(opaque).takeRetainedValue()
        if message.err == RD_KAFKA_RESP_ERR_NO_ERROR {
            context.completion(
                .success(
                    DeliveryReport(
                        topic: context.topic, partition: message.partition, offset: message.offset,
                        latency: ContinuousClock.now - context.sentAt)))
        } else {
            let text = KafkaError.message(of: message.err)
            let status = rd_kafka_message_status(pointer)
            context.completion(
                .failure(
                    .deliveryFailed(
                        code: message.err.rawValue, message: text,
                        possiblyPersisted: status == RD_KAFKA_MSG_STATUS_POSSIBLY_PERSISTED)))
        }
    }
}
