import CRdKafka
import Logging
import Synchronization

/// State that librdkafka's C callbacks reach through the client's opaque pointer: the service
/// logger, the rebalance handlers, the last offset commit and any fatal error.
///
/// Callbacks run on librdkafka's threads, so everything here is thread-safe. Its `KafkaClient`
/// keeps it alive (retained through `Unmanaged`) until after `rd_kafka_destroy`.
final class ClientContext: Sendable {
    let logger: Logger
    let onRebalance: @Sendable (RebalanceEvent) -> Void
    let startPosition: @Sendable (TopicPartition) -> StartPosition
    /// Milliseconds since 1970 of the last successful offset commit (0: none yet).
    let lastCommitMilliseconds = Atomic<Int64>(0)
    private let fatalError = Mutex<KafkaError?>(nil)

    init(
        logger: Logger, onRebalance: @escaping @Sendable (RebalanceEvent) -> Void = { _ in },
        startPosition: @escaping @Sendable (TopicPartition) -> StartPosition = { _ in .committed }
    ) {
        self.logger = logger
        self.onRebalance = onRebalance
        self.startPosition = startPosition
    }

    /// Whether `fatalError` is set: checked on every send and poll without taking its lock.
    private let hasFatalError = Atomic<Bool>(false)

    var fatal: KafkaError? {
        hasFatalError.load(ordering: .acquiring) ? fatalError.withLock { $0 } : nil
    }

    /// Makes `error` fatal for the client: logged now, thrown by its next poll.
    func fail(_ error: KafkaError) {
        logger.critical("Kafka client cannot go on", metadata: ["error": "\(error)"])
        fatalError.withLock { if $0 == nil { $0 = error } }
        hasFatalError.store(true, ordering: .releasing)
    }

    /// Installs the log and error callbacks and this context as the configuration's opaque.
    func install(on configuration: NativeConfiguration) {
        guard let conf = configuration.pointer else { return }
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(self).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { client, level, facility, message in
            guard let client, let opaque = rd_kafka_opaque(client) else { return }
            let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
            context.log(level: level, facility: facility, message: message)
        }
        rd_kafka_conf_set_error_cb(conf) { client, code, reason, opaque in
            guard let opaque else { return }
            let context = Unmanaged<ClientContext>.fromOpaque(opaque).takeUnretainedValue()
            context.error(client: client, code: code, reason: reason.map { String(cString: $0) } ?? "")
        }
    }

    /// Whether a polled message is a record; false for a partition end or a transient error
    /// (logged, naming `source`). Throws on a fatal error. Every consuming client classifies its
    /// messages here.
    func carriesRecord(_ message: UnsafeMutablePointer<rd_kafka_message_t>, source: String) throws(KafkaError) -> Bool {
        let error = message.pointee.err
        guard error != RD_KAFKA_RESP_ERR_NO_ERROR else { return true }
        if error == RD_KAFKA_RESP_ERR__PARTITION_EOF { return false }
        let text = String(cString: rd_kafka_message_errstr(message))
        if error == RD_KAFKA_RESP_ERR__FATAL || fatal != nil {
            throw fatal ?? .fatal(code: error.rawValue, message: text)
        }
        logger.warning(
            "\(source) error",
            metadata: [
                "code": "\(KafkaError.name(of: error.rawValue))", "reason": "\(text)",
                "topic": "\(message.pointee.rkt.map { String(cString: rd_kafka_topic_name($0)) } ?? "")",
            ])
        return false
    }

    private func log(level: Int32, facility: UnsafePointer<CChar>?, message: UnsafePointer<CChar>?) {
        let text = message.map { String(cString: $0) } ?? ""
        let source = facility.map { String(cString: $0) } ?? "rdkafka"
        let swiftLevel: Logger.Level
        switch level {
        case ...3: swiftLevel = .error
        case 4: swiftLevel = .warning
        case 5: swiftLevel = .notice
        case 6: swiftLevel = .info
        default: swiftLevel = .debug
        }
        logger.log(level: swiftLevel, "\(text)", metadata: ["rdkafka": "\(source)"])
    }

    private func error(client: OpaquePointer?, code: Int32, reason: String) {
        let error = rd_kafka_resp_err_t(rawValue: code)
        if error == RD_KAFKA_RESP_ERR__FATAL, let client {
            let (original, message) = ErrorBuffer.capture { rd_kafka_fatal_error(client, $0, $1) }
            fatalError.withLock { $0 = .fatal(code: original.rawValue, message: message) }
            hasFatalError.store(true, ordering: .releasing)
            logger.critical(
                "fatal Kafka error",
                metadata: ["code": "\(KafkaError.name(of: original.rawValue))", "reason": "\(message)"])
            return
        }
        logger.warning("Kafka client error", metadata: ["code": "\(KafkaError.name(of: code))", "reason": "\(reason)"])
    }
}
