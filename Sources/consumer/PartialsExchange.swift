import AnalyticsCore
import BackgroundWork
import Foundation
import Kafka
import Logging
import Metrics
import Synchronization

/// Shares partial states with the rest of the consumer group through Kafka: publishes this
/// member's partitions to the compacted partials topic (`KAFKA_PARTIALS_TOPIC`, keyed by group,
/// topic and partition) every `PARTIALS_INTERVAL_MS` and when it gives partitions away, and reads every
/// member's partials back into the group view, so each member shows the whole site.
final class PartialsExchange: Sendable {
    private let producer: KafkaProducer
    private let reader: KafkaTopicReader
    private let statistics: LiveStatistics
    private let topic: String
    /// The events topic whose partitions the partials describe.
    private let eventsTopic: String
    /// The consumer group whose partials these are; other groups' partials on the topic are skipped.
    private let group: String
    private let intervalMilliseconds: Int
    private let logger: Logger
    private let readerThread = BackgroundThread(name: "partials-reader")
    private let publisherThread = BackgroundThread(name: "partials-publisher")
    private let stopped = Atomic<Bool>(false)
    private let published = Metrics.Counter(label: "partials_published_total")
    private let received = Metrics.Counter(label: "partials_received_total")
    private let lastSize = Metrics.Gauge(label: "partial_state_bytes")
    /// Partials larger than this are not published (logged instead): the topic's own
    /// `max.message.bytes` must allow at least this much.
    static let maxPartialBytes = 32 * 1024 * 1024
    /// Every partial is published again this often even if unchanged, so a size-limited topic
    /// (the development broker keeps 5 MiB per partition) never loses an idle partition's state.
    private static let republishEvery = 15

    init(
        brokers: String, topic: String, eventsTopic: String, group: String, intervalMilliseconds: Int,
        statistics: LiveStatistics, logger: Logger
    ) throws(KafkaError) {
        let client = KafkaClientConfiguration(bootstrapServers: brokers, clientID: "analytics-consumer-partials")
        // Only the producer needs room for large records; on the reader, librdkafka would require
        // fetches at least that large (a large record is fetched anyway, on its own).
        var producerClient = client
        producerClient.additionalProperties["message.max.bytes"] = String(Self.maxPartialBytes + 65_536)
        var configuration = KafkaProducerConfiguration(client: producerClient)
        configuration.lingerMilliseconds = 0
        configuration.deliveryTimeoutMilliseconds = 10_000
        configuration.reportOnlyFailures = true
        producer = try KafkaProducer(configuration: configuration, logger: logger)
        reader = try KafkaTopicReader(client: client, topic: topic, logger: logger)
        self.topic = topic
        self.eventsTopic = eventsTopic
        self.group = group
        self.intervalMilliseconds = intervalMilliseconds
        self.statistics = statistics
        self.logger = logger
    }

    /// Starts reading the partials published so far, then keeps reading and publishing in the
    /// background. Throws when the topic cannot be found within `timeout`.
    ///
    /// The partials are read while the consumer joins its group (a new group waits 3 s for more
    /// members): partitions assigned before they are all read wait for them in
    /// `waitUntilCurrent`, so each continues from its latest state either way.
    func start(timeout: Duration) throws(KafkaError) {
        try reader.start(timeout: timeout)
        readerThread.start { [self] stop in
            do {
                let complete = try reader.catchUp(timeout: timeout, stopping: { stop.isRequested }) { receive($0) }
                if !complete {
                    logger.warning("partials topic not fully read at start", metadata: ["topic": "\(topic)"])
                }
                let (_, partitions) = statistics.partitions
                logger.info(
                    "partials read", metadata: ["topic": "\(topic)", "partitions": "\(partitions.count)"])
            } catch {
                logger.warning("could not read the partials topic to its end", metadata: ["error": "\(error)"])
            }
            while !stop.isRequested {
                do {
                    if let record = try reader.poll(timeoutMilliseconds: 100) { receive(record) }
                } catch {
                    logger.error("partials reader stopped", metadata: ["error": "\(error)"])
                    break
                }
            }
        }
        publisherThread.start { [self] stop in
            var round = 0
            while !stop.wait(for: .milliseconds(intervalMilliseconds)) {
                round += 1
                publishOwned(all: round % Self.republishEvery == 0)
            }
        }
    }

    private func receive(_ record: KafkaRecord) {
        guard !record.value.isEmpty, let key = record.key,
            let partition = PartialState.partition(inKey: key, group: group, topic: eventsTopic)
        else { return }
        // This member's own partials come back too: not worth decoding while it owns them.
        guard !statistics.owns(partition) else { return }
        do {
            let state = try PartialState(bytes: record.value, configuration: statistics.configuration)
            guard state.partition == partition else {
                throw PartialStateError.corrupt("key names partition \(partition), content \(state.partition)")
            }
            if statistics.receive(state) { received.increment() }
        } catch {
            // Never merged: the partition is counted from the events topic instead, from the
            // last good state known for it or, with none, from its first record.
            logger.warning(
                "skipping unreadable partial state; its partition is rebuilt from the events topic",
                metadata: [
                    "key": "\(PartialState.printable(key))", "partition": "\(record.partition)",
                    "offset": "\(record.offset)", "reason": "\(error)",
                ])
        }
    }

    /// Publishes the owned partitions' states that changed (all when `all`), one at a time:
    /// each is encoded when it is sent, so only one encoded state is held here at once.
    func publishOwned(all: Bool, wait: Bool = false) {
        let now = Date()
        let partitions = statistics.partitionsToPublish(all: all)
        for partition in partitions {
            guard let bytes = statistics.encodedState(of: partition, now: now) else { continue }
            send(bytes, partition: partition)
        }
        if wait && !partitions.isEmpty { producer.flush(timeout: .seconds(10)) }
    }

    /// Publishes states given away in a rebalance; with `wait`, returns once Kafka has them (or
    /// after 10 s).
    func publish(_ states: [PartialState], wait: Bool = false) {
        for state in states { send(state.encoded(), partition: state.partition) }
        if wait && !states.isEmpty { producer.flush(timeout: .seconds(10)) }
    }

    private func send(_ bytes: [UInt8], partition: Int32) {
        lastSize.record(bytes.count)
        guard bytes.count <= Self.maxPartialBytes else {
            logger.error(
                "partial state too large to publish; lower MAX_SITES, TOP_PAGES or the session timeout",
                metadata: ["partition": "\(partition)", "bytes": "\(bytes.count)"])
            return
        }
        let key = PartialState.key(group: group, topic: eventsTopic, partition: partition)
        let message = KafkaOutgoingMessage(topic: topic, key: Array(key.utf8), value: bytes, headers: [])
        do {
            try producer.send(message, completion: nil)
            published.increment()
        } catch {
            logger.warning(
                "could not publish partial state", metadata: ["partition": "\(partition)", "error": "\(error)"])
        }
    }

    /// Waits (up to `timeout`) until every partial published before this call has been read,
    /// so a partition handed over by another member continues from its final state.
    func waitUntilCurrent(timeout: Duration) {
        let deadline = ContinuousClock.now + timeout
        do {
            // Over the producer's connection: the reader's own waits behind its parked fetch.
            let ends = try reader.endOffsets(askingThrough: producer)
            while !reader.hasRead(upTo: ends) {
                guard ContinuousClock.now < deadline else {
                    logger.warning("partials not read up to date before taking partitions over")
                    return
                }
                Thread.sleep(forTimeInterval: 0.01)
            }
        } catch {
            logger.warning("could not read the end of the partials topic", metadata: ["error": "\(error)"])
        }
    }

    /// Stops the background threads, publishes every partition still owned, waits for Kafka and
    /// closes the clients. Call it after the consumer has shut down: leaving the group hands its
    /// partitions over through this exchange (`publish`). Idempotent.
    func stop() {
        guard !stopped.exchange(true, ordering: .relaxed) else { return }
        readerThread.stopAndJoin()
        publisherThread.stopAndJoin()
        publishOwned(all: true, wait: true)
        producer.shutdown(timeout: .seconds(10))
        reader.shutdown()
    }
}
