import AnalyticsCore
import Foundation
import Kafka
import Logging
import Metrics
import ServiceRuntime
import Synchronization

/// Reads records, applies valid events to their partition's statistics, then stores their
/// offsets (at-least-once, design §5). Invalid records are counted, logged with partition and
/// offset, and skipped; they never stop the loop. A record fetched before its partition was given
/// away is not counted (`notOwned`) and its offset not stored: the next owner reads it again.
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

    /// Asks the loop to stop after the records in hand (all of them applied) and waits for it.
    func stop() {
        stopRequested.store(true, ordering: .relaxed)
        finished.wait()
    }

    private func run() {
        while !stopRequested.load(ordering: .relaxed) {
            let records: [KafkaRecord]
            do {
                records = try consumer.poll(maxRecords: Self.batchSize, timeoutMilliseconds: 100)
            } catch {
                logger.critical("consumer stopped by a fatal Kafka error", metadata: ["error": "\(error)"])
                kill(getpid(), SIGTERM)
                return
            }
            guard !records.isEmpty else { continue }
            apply(records)
        }
    }

    /// Records taken from librdkafka at a time: decoded outside the statistics lock, applied under
    /// one lock acquisition, their offsets stored in one call.
    static let batchSize = 500

    private func apply(_ records: [KafkaRecord]) {
        var items: [LiveStatistics.Record] = []
        items.reserveCapacity(records.count)
        for record in records {
            var item = LiveStatistics.Record(event: nil, partition: record.partition, offset: record.offset)
            do throws(RecordDecodingError) {
                item.event = try codec.decode(record.value)
            } catch {
                // Copied to the dead-letter topic before it is counted and its offset stored
                // (a record read again after a rebalance may be copied twice: at-least-once).
                reportInvalid(record, error)
            }
            items.append(item)
        }
        let outcomes = statistics.apply(items)
        var lastApplied: [TopicPartition: Int64] = [:]
        var counted = 0
        for (index, record) in records.enumerated() {
            switch outcomes[index] {
            case .counted:
                counted += 1
            case .duplicate:
                counted += 1
                metrics.increment("events_deduplicated_total")
            case .invalid:
                counted += 1
            case .alreadyCounted:
                // Delivered again (at-least-once) but already in the partition's state.
                break
            case .notOwned:
                // Fetched before the partition was given away; its new owner counts it.
                continue
            }
            lastApplied[TopicPartition(topic: record.topic, partition: record.partition)] = record.offset
        }
        consumed.add(counted, ordering: .relaxed)
        consumedCounter.increment(by: Int64(counted))
        do {
            try consumer.storeOffsets(lastApplied)
        } catch {
            logger.error("could not store offsets", metadata: ["error": "\(error)"])
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
