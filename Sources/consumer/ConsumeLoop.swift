import AnalyticsCore
import Foundation
import Kafka
import Logging
import Metrics
import ServiceRuntime
import Synchronization

/// Reads records, applies valid events to their partition's statistics, then stores their
/// offsets (at-least-once, design §5). Invalid records are counted, logged with partition and
/// offset, and skipped; they never stop the loop.
final class ConsumeLoop: Sendable {
    private let consumer: KafkaConsumer
    private let statistics: LiveStatistics
    private let logger: Logger
    private let metrics: ServiceMetrics
    private let deadLetters: DeadLetterQueue?
    /// `records_consumed_total`, held directly: it is incremented for every record.
    private let consumedCounter = Metrics.Counter(label: "records_consumed_total")
    private let codec = EventCodec()
    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    let consumed = Atomic<Int>(0)

    init(
        consumer: KafkaConsumer, statistics: LiveStatistics, logger: Logger, metrics: ServiceMetrics,
        deadLetters: DeadLetterQueue?
    ) {
        self.deadLetters = deadLetters
        self.consumer = consumer
        self.statistics = statistics
        self.logger = logger
        self.metrics = metrics
    }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "consume-loop"
        thread.start()
    }

    /// Asks the loop to stop after the record in hand and waits for it.
    func stop() {
        stopRequested.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func run() {
        while !stopRequested.load(ordering: .relaxed) {
            let record: KafkaRecord?
            do {
                record = try consumer.poll(timeoutMilliseconds: 100)
            } catch {
                logger.critical("consumer stopped by a fatal Kafka error", metadata: ["error": "\(error)"])
                kill(getpid(), SIGTERM)
                return
            }
            guard let record else { continue }
            let event: AnalyticsEvent?
            let failure: RecordDecodingError?
            do {
                event = try codec.decode(record.value)
                failure = nil
            } catch {
                event = nil
                failure = error
            }
            switch statistics.apply(event, partition: record.partition, offset: record.offset) {
            case .counted:
                break
            case .duplicate:
                metrics.increment("events_deduplicated_total")
            case .invalid:
                if let failure { reportInvalid(record, failure) }
            case .alreadyCounted:
                // Delivered again (at-least-once) but already in the partition's state.
                try? consumer.storeOffset(record)
                continue
            case .notOwned:
                // Fetched before the partition was given away; its new owner counts it.
                continue
            }
            consumed.add(1, ordering: .relaxed)
            consumedCounter.increment()
            do {
                try consumer.storeOffset(record)
            } catch {
                logger.error(
                    "could not store offset",
                    metadata: ["partition": "\(record.partition)", "offset": "\(record.offset)", "error": "\(error)"])
            }
        }
    }

    private func reportInvalid(_ record: KafkaRecord, _ error: RecordDecodingError) {
        metrics.increment("records_skipped_total", [("reason", error.reason)])
        if let deadLetters, deadLetters.send(record, reason: error.description) {
            metrics.increment("records_dead_lettered_total")
        }
        logger.warning(
            "skipping invalid record",
            metadata: [
                "partition": "\(record.partition)", "offset": "\(record.offset)", "reason": "\(error.reason)",
                "detail": "\(error.description)",
            ])
    }
}
