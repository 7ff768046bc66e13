import BackgroundWork
import CRdKafka
import Foundation
import Logging
import Synchronization

/// An idempotent Kafka producer (`enable.idempotence=true`, so `acks=all`) whose every `send`
/// completes exactly once with its broker acknowledgement or an error.
///
/// A dedicated thread polls librdkafka for delivery reports, so completions never run on — or
/// block — the caller's threads, `flush` included. `shutdown()` flushes with a deadline, fails
/// what is still outstanding (each completion runs, with an error), stops the thread and lets
/// the client go; `deinit` does the same without waiting, as a safety net.
public final class KafkaProducer: Sendable {
    private let client: KafkaClient
    /// Internal so a `KafkaTopicReader` can ask for offsets over this client's connections.
    var handle: OpaquePointer { client.handle }
    private var context: ClientContext { client.context }
    private let logger: Logger
    private let poller: DeliveryReportPoller
    /// `send`s in progress (the low bits) and whether `shutdown` has begun (`shutDownBit`), in
    /// one atomic: a `send` counts itself in and sees the shutdown in one step, so none can pass
    /// the check and enqueue after the final poll; `shutdown` waits for the count to drain. (An
    /// atomic, not a lock: the event-loop threads would contend for it.)
    private let gate = Atomic<Int>(0)
    private static let shutDownBit = 1 << 62
    /// What the first `shutdown` returned, for the later ones.
    private let failedAtShutdown = Atomic<Int>(0)
    /// Called by `send` just before it hands a record to librdkafka: tests widen the window
    /// between the shutdown check and the enqueue with it.
    private let beforeEnqueue: (@Sendable (KafkaOutgoingMessage) -> Void)?
    /// `reportOnlyFailures`: librdkafka reports no successful delivery, so a completion would
    /// never run for one, and `send` refuses completions.
    private let reportsOnlyFailures: Bool

    public convenience init(configuration: KafkaProducerConfiguration, logger: Logger) throws(KafkaError) {
        try self.init(configuration: configuration, logger: logger, beforeEnqueue: nil)
    }

    init(
        configuration: KafkaProducerConfiguration, logger: Logger,
        beforeEnqueue: (@Sendable (KafkaOutgoingMessage) -> Void)?
    ) throws(KafkaError) {
        self.beforeEnqueue = beforeEnqueue
        reportsOnlyFailures = configuration.reportOnlyFailures
        let native = try NativeConfiguration(properties: configuration.properties)
        client = try KafkaClient(type: RD_KAFKA_PRODUCER, configuration: native, context: ClientContext(logger: logger))
        { conf in
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
        self.logger = logger
        poller = DeliveryReportPoller(client: client)
    }

    deinit {
        shutdown(timeout: .zero)
    }

    /// Delivers what it can within `timeout`, then fails every record still outstanding (its
    /// completion runs with `_PURGE_QUEUE` or `_PURGE_INFLIGHT`), stops the delivery-report thread
    /// and releases the client. Returns how many records failed that way. Later calls return the
    /// same count at once; `send` throws `KafkaError.shutDown` from the first call on.
    @discardableResult
    public func shutdown(timeout: Duration = .seconds(10)) -> Int {
        guard gate.bitwiseOr(Self.shutDownBit, ordering: .acquiringAndReleasing).oldValue & Self.shutDownBit == 0
        else {
            return failedAtShutdown.load(ordering: .acquiring)
        }
        // Sends that passed the check before it enqueue first, so their records are flushed too.
        while gate.load(ordering: .acquiring) != Self.shutDownBit {
            Thread.sleep(forTimeInterval: 0.0005)
        }
        let failed = flush(timeout: timeout)
        if failed > 0 {
            logger.warning("failing records not delivered by shutdown", metadata: ["records": "\(failed)"])
            rd_kafka_purge(handle, Int32(RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT))
            // The purged records' reports are served by the poll thread like any other.
            _ = waitForEmptyQueue(until: ContinuousClock.now + .seconds(2))
        }
        poller.stop()
        // Reports that arrived after the thread's last poll are served here, so none is lost.
        rd_kafka_poll(handle, 0)
        failedAtShutdown.store(failed, ordering: .releasing)
        return failed
    }

    /// Hands a record to librdkafka. `completion` runs once, on the delivery-report thread, with
    /// the broker's acknowledgement or the reason it failed. Throws at once (and never calls
    /// `completion`) when the record cannot be enqueued; `KafkaError.queueFull` is back-pressure.
    /// A producer that reports only failures refuses any completion (`.deliveryReportsOff`).
    public func send(
        _ message: KafkaOutgoingMessage,
        completion: (@Sendable (Result<DeliveryReport, KafkaError>) -> Void)?
    ) throws(KafkaError) {
        let before = gate.wrappingAdd(1, ordering: .acquiringAndReleasing).oldValue
        defer { gate.wrappingSubtract(1, ordering: .acquiringAndReleasing) }
        if before & Self.shutDownBit != 0 { throw .shutDown }
        if let fatal = context.fatal { throw fatal }
        if completion != nil && reportsOnlyFailures { throw .deliveryReportsOff }
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
        beforeEnqueue?(message)
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

    /// Waits until every record is acknowledged or failed, at most `timeout`, while the
    /// delivery-report thread runs their completions. Returns how many are left.
    @discardableResult
    public func flush(timeout: Duration) -> Int {
        let left = waitForEmptyQueue(until: ContinuousClock.now + timeout)
        if left > 0 && timeout > .zero { logger.warning("flush timed out", metadata: ["remaining": "\(left)"]) }
        return left
    }

    /// Waits for librdkafka's queue (records and reports not yet served) to empty, checking
    /// every 2 ms: `rd_kafka_flush` would serve the reports on the calling thread.
    private func waitForEmptyQueue(until deadline: ContinuousClock.Instant) -> Int {
        while queueDepth > 0 && ContinuousClock.now < deadline && poller.isRunning {
            Thread.sleep(forTimeInterval: 0.002)
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

/// The thread that serves a producer's delivery reports (`rd_kafka_poll`).
///
/// It holds the client, not the producer, so a producer nobody refers to any more is freed (and
/// shut down) instead of being kept alive by its own thread.
private final class DeliveryReportPoller: Sendable {
    private let thread = BackgroundThread(name: "kafka-delivery-reports")

    init(client: KafkaClient) {
        // The thread keeps the client alive until `stop`.
        thread.start { stop in
            while !stop.isRequested {
                rd_kafka_poll(client.handle, 100)
            }
        }
    }

    var isRunning: Bool { !thread.isStopRequested }

    /// Stops the thread and waits for it (at most one 100 ms poll). Safe to call more than once.
    func stop() {
        thread.stopAndJoin()
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
