import AnalyticsCore
import BackgroundWork
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
///
/// Two threads share the work so a backlog is read on both cores: one polls librdkafka and
/// decodes (parse, validate, enrich), the other applies the decoded batches to the statistics in
/// the order they were polled and stores their offsets. At most `batchesInFlight` decoded batches
/// wait between them.
final class ConsumeLoop: Sendable {
    private let consumer: KafkaConsumer
    private let statistics: LiveStatistics
    private let logger: Logger
    private let metrics: ServiceMetrics
    private let deadLetters: DeadLetterQueue?
    private let overCapacity: OverCapacitySites
    /// `records_consumed_total`, held directly: it is incremented for every record.
    private let consumedCounter = Metrics.Counter(label: "records_consumed_total")
    private let codec = EventCodec()
    private let polling = BackgroundThread(name: "consume-loop")
    private let applying = BackgroundThread(name: "apply-loop")
    private let decoded = BatchHandoff<DecodedBatch>(capacity: batchesInFlight)
    /// Applied batches, handed back so their events are freed on the thread that allocated them:
    /// freed on the applying thread, every string went back through the malloc arena's lock
    /// while the decoding thread was allocating from it.
    private let applied = Mutex<[DecodedBatch]>([])
    let consumed = Atomic<Int>(0)

    /// A polled batch, decoded: one item per record, in poll order, and each record's topic.
    private struct DecodedBatch: Sendable {
        var items: [LiveStatistics.Record]
        var topics: [String]
    }

    init(
        consumer: KafkaConsumer, statistics: LiveStatistics, logger: Logger, metrics: ServiceMetrics,
        deadLetters: DeadLetterQueue?
    ) {
        self.deadLetters = deadLetters
        self.consumer = consumer
        self.statistics = statistics
        self.logger = logger
        self.metrics = metrics
        let configuration = statistics.configuration
        overCapacity = OverCapacitySites(
            logger: logger, maxSites: configuration.maxSites, defaultSite: configuration.defaultSite)
    }

    func start() {
        applying.start { [self] _ in
            // Ends once the polling thread has handed over its last batch.
            while var batch = decoded.take() {
                apply(&batch)
                applied.withLock { $0.append(batch) }
            }
        }
        polling.start { [self] stop in
            poll(until: stop)
            decoded.finish()
        }
    }

    /// Asks the loop to stop after the records in hand (all of them applied) and waits for it.
    func stop() {
        polling.stopAndJoin()
        applying.join()
    }

    private func poll(until stop: StopRequest) {
        while !stop.isRequested {
            var spent: [DecodedBatch] = []
            applied.withLock { swap(&$0, &spent) }
            spent.removeAll()
            let records: KafkaMessageBatch
            do {
                records = try consumer.pollBatch(maxRecords: Self.batchSize, timeoutMilliseconds: 100)
            } catch {
                logger.critical("consumer stopped by a fatal Kafka error", metadata: ["error": "\(error)"])
                kill(getpid(), SIGTERM)
                return
            }
            guard !records.isEmpty else { continue }
            decoded.put(decode(records))
        }
    }

    /// Records taken from librdkafka at a time: decoded together, applied under one lock
    /// acquisition, their offsets stored in one call.
    static let batchSize = 500
    /// Decoded batches waiting for the applying thread, at most.
    static let batchesInFlight = 4

    /// Decodes the records where librdkafka fetched them; only an invalid one is copied out (for
    /// the dead-letter topic).
    private func decode(_ records: KafkaMessageBatch) -> DecodedBatch {
        var batch = DecodedBatch(items: [], topics: [])
        batch.items.reserveCapacity(records.count)
        batch.topics.reserveCapacity(records.count)
        for index in 0..<records.count {
            let partition = records.partition(at: index)
            let offset = records.offset(at: index)
            do throws(RecordDecodingError) {
                let event = try records.withValue(at: index) {
                    value throws(RecordDecodingError) in try codec.decodeSummary(value)
                }
                batch.items.append(LiveStatistics.Record(event: event, partition: partition, offset: offset))
            } catch {
                // Copied to the dead-letter topic before it is counted and its offset stored
                // (a record read again after a rebalance may be copied twice: at-least-once).
                reportInvalid(records.record(at: index), error)
                batch.items.append(LiveStatistics.Record(event: nil, partition: partition, offset: offset))
            }
            batch.topics.append(records.topic(at: index))
        }
        return batch
    }

    private func apply(_ batch: inout DecodedBatch) {
        let outcomes = statistics.apply(&batch.items)
        var lastApplied: [TopicPartition: Int64] = [:]
        // Records come in runs of one partition: the offset map is written once per run, not per
        // record (hashing a topic name each time), and items are read in place, not copied out.
        var run: (partition: TopicPartition, offset: Int64)?
        var counted = 0
        for index in batch.items.indices {
            switch outcomes[index] {
            case .counted:
                counted += 1
            case .countedBeyondSites:
                counted += 1
                metrics.increment("events_over_sites_capacity_total")
                overCapacity.note(batch.items[index].event?.site)
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
            let partition = batch.items[index].partition
            let offset = batch.items[index].offset
            if let current = run, current.partition.partition == partition,
                current.partition.topic == batch.topics[index]
            {
                run = (current.partition, offset)
            } else {
                if let current = run { lastApplied[current.partition] = current.offset }
                run = (TopicPartition(topic: batch.topics[index], partition: partition), offset)
            }
        }
        if let current = run { lastApplied[current.partition] = current.offset }
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
