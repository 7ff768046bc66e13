import BackgroundWork
import ClickHouse
import Foundation
import Kafka
import Logging
import ServiceRuntime
import Synchronization

/// Feeds the history: a member of a consumer group of its own (`<CONSUMER_GROUP>-history`) that
/// reads the events topic and inserts every event into ClickHouse exactly once (`HistoryIngest`).
///
/// A group of its own, inside the consumer process, so the history needs no deployment of its own
/// and yet never holds back the live view: its offsets, its pace and its pauses are its own. While
/// ClickHouse fails, the writer stops polling (consumption pauses, memory stays bounded by two
/// blocks — one being inserted, one read — and librdkafka's prefetch) and retries with backoff; `max.poll.interval.ms` is a day so
/// the group does not evict a member that waits for ClickHouse.
final class HistoryWriter: Sendable {
    let ingest: HistoryIngest
    private let consumer: KafkaConsumer
    private let thread = BackgroundThread(name: "history-writer")
    private let logger: Logger
    private let rebuildOutcome = Mutex<RebuildOutcome?>(nil)

    /// How a `--rebuild-history` ended.
    enum RebuildOutcome: Sendable, Equatable {
        /// Every partition was read to its end; rows inserted and rows found stored already.
        case finished(inserted: Int, alreadyStored: Int)
        /// The writer did not hold every partition: other consumers' history writers hold some.
        case partitionsHeldElsewhere(held: Int, of: Int)
        /// Kafka failed, or no partition came within a minute.
        case failed(String)
    }

    /// How long an insert or a progress query may take. Long: an insert given up on may still be
    /// stored by ClickHouse later, so the writer waits out a slow or paused server instead.
    static let insertTimeout: TimeInterval = 300

    /// The group the writers of the consumers of `group` share.
    static func group(of group: String) -> String { group + "-history" }

    init(ingest: HistoryIngest, kafka: KafkaConsumerConfiguration, logger: Logger) throws(KafkaError) {
        var configuration = kafka
        configuration.groupID = Self.group(of: kafka.groupID)
        configuration.client.clientID += "-history"
        // Waiting out a ClickHouse outage without polling must not cost the partitions.
        configuration.client.additionalProperties["max.poll.interval.ms"] = "86400000"
        let thread = self.thread
        var kafkaLogger = logger
        kafkaLogger[metadataKey: "group"] = "\(configuration.groupID)"
        let bounds = ConsumerReference()
        consumer = try KafkaConsumer(
            configuration: configuration, logger: kafkaLogger,
            onRebalance: { event in
                switch event {
                case .assigning(let partitions):
                    ingest.assign(partitions, stopping: { thread.isStopRequested }) { list throws(KafkaError) in
                        try bounds.bounds(of: list)
                    }
                case .revoked(let partitions): ingest.revoke(partitions)
                case .assigned: break
                }
            },
            startPosition: { ingest.startPosition($0) })
        bounds.set(consumer)
        self.ingest = ingest
        self.logger = logger
    }

    func start(topic: String) throws(KafkaError) {
        try consumer.subscribe(topics: [topic])
        ingest.status.update(.starting)
        thread.start { [self] stop in
            run(until: stop)
        }
    }

    private func run(until stop: StopRequest) {
        var lastLag = ContinuousClock.now - .seconds(10)
        var lastRetention = ContinuousClock.now - .seconds(7200)
        while !stop.isRequested {
            if ContinuousClock.now - lastRetention >= .seconds(3600) {
                lastRetention = .now
                ingest.applyRetention()
            }
            do {
                let batch = try consumer.pollBatch(maxRecords: HistoryIngest.pollRecords, timeoutMilliseconds: 100)
                if !batch.isEmpty { ingest.read(batch) }
            } catch {
                logger.critical("history writer stopped by a fatal Kafka error", metadata: ["error": "\(error)"])
                ingest.status.failed(error)
                return
            }
            // The block sent before must be in before the next goes; ClickHouse parses one while
            // the next is read. A failed insert is retried at once (consumption pauses meanwhile).
            if ingest.isBlockDue || ingest.sendingEnded,
                let lastRead = ingest.finishSending(stopping: { stop.isRequested })
            {
                store(lastRead)
                if ingest.isBlockDue { ingest.startSending() }
            }
            if ContinuousClock.now - lastLag >= .seconds(1) {
                lastLag = .now
                ingest.status.lag(consumer.lag().values.reduce(0, +))
            }
        }
        // One last attempt for what was read; without ClickHouse it is read again next time.
        if let lastRead = ingest.flushAll(attempts: 1) {
            store(lastRead)
        } else {
            ingest.dropBlocks()
        }
    }

    /// `--rebuild-history`: joins the writers' group, and once it holds every partition of
    /// `topic`, reads each from its oldest record to its present end, inserting what ClickHouse
    /// lacks. Runs on the writer's thread; `rebuildResult` says when it is over.
    func startRebuild(topic: String) throws(KafkaError) {
        let partitions = Int(try consumer.partitionCount(of: topic, timeout: .seconds(30)))
        try consumer.subscribe(topics: [topic])
        thread.start { [self] stop in
            let outcome = rebuild(partitions: partitions, until: stop)
            rebuildOutcome.withLock { $0 = outcome }
        }
    }

    /// How the rebuild ended, or nil while it runs.
    var rebuildResult: RebuildOutcome? { rebuildOutcome.withLock { $0 } }

    private func rebuild(partitions: Int, until stop: StopRequest) -> RebuildOutcome {
        let started = ContinuousClock.now
        var lastReport = started
        /// Since when the writer holds no partition (joining, or in a rebalance).
        var emptySince = started
        while !stop.isRequested {
            do {
                let batch = try consumer.pollBatch(maxRecords: HistoryIngest.pollRecords, timeoutMilliseconds: 100)
                if !batch.isEmpty { ingest.read(batch) }
            } catch {
                return .failed("Kafka: \(error)")
            }
            let progress = ingest.rebuildProgress
            if progress.partitions == 0 {
                // Joining (the group's first join waits for other members) or between assignments.
                if ContinuousClock.now - emptySince > .seconds(60) {
                    return .failed("no partition was assigned for 60 s")
                }
                continue
            }
            emptySince = .now
            if progress.partitions < partitions {
                _ = ingest.flushAll(attempts: 1, stopping: { stop.isRequested })
                return .partitionsHeldElsewhere(held: progress.partitions, of: partitions)
            }
            if progress.finished {
                return .finished(inserted: progress.rowsWritten, alreadyStored: progress.alreadyStored)
            }
            if ingest.isBlockDue || ingest.rebuildReadToTheEnd || ingest.sendingEnded,
                ingest.finishSending(stopping: { stop.isRequested }) != nil,
                ingest.isBlockDue || ingest.rebuildReadToTheEnd
            {
                ingest.startSending()
            }
            if ContinuousClock.now - lastReport >= .seconds(10) {
                lastReport = .now
                logger.info(
                    "history rebuild: in progress",
                    metadata: ["inserted": "\(progress.rowsWritten)", "already_stored": "\(progress.alreadyStored)"])
            }
        }
        return .failed("stopped before the end")
    }

    /// Commits the writer's progress to the group too, for tools that watch consumer-group lag
    /// (the truth stays in ClickHouse).
    private func store(_ lastRead: [Int32: Int64]) {
        guard !lastRead.isEmpty, ingest.settings.mode == .live else { return }
        var offsets: [TopicPartition: Int64] = [:]
        for partition in consumer.assignment where lastRead[partition.partition] != nil {
            offsets[partition] = lastRead[partition.partition]
        }
        do {
            try consumer.storeOffsets(offsets)
        } catch {
            logger.debug("history: could not store offsets", metadata: ["error": "\(error)"])
        }
    }

    /// Stops after inserting what was read (one attempt), leaves the group. An insert ClickHouse
    /// has not answered within 5 s is abandoned (it is either stored or not; the next owner of
    /// its partitions waits for it to end before reading the progress). Idempotent.
    func stop() {
        thread.stop()
        let ingest = self.ingest
        let finished = Atomic<Bool>(false)
        DispatchQueue.global().asyncAfter(deadline: .now() + 5) {
            if !finished.load(ordering: .acquiring) { ingest.abandonRequests() }
        }
        thread.join()
        ingest.shutdown()
        finished.store(true, ordering: .releasing)
        consumer.shutdown()
    }
}

/// The writer's consumer, for its own rebalance callback (which is made before the consumer is):
/// a rebuild asks Kafka where each assigned partition begins and ends.
private final class ConsumerReference: Sendable {
    private let consumer = Mutex<KafkaConsumer?>(nil)

    func set(_ consumer: KafkaConsumer) {
        self.consumer.withLock { $0 = consumer }
    }

    func bounds(of partitions: [TopicPartition]) throws(KafkaError) -> [TopicPartition: (oldest: Int64, next: Int64)] {
        guard let consumer = consumer.withLock({ $0 }) else {
            throw .operationFailed(operation: "read the offsets", code: -1, message: "the consumer is not ready")
        }
        return try consumer.bounds(of: partitions, timeoutMilliseconds: 10_000)
    }
}
