import AnalyticsCore
import BackgroundWork
import Foundation
import Kafka
import Logging
import Synchronization

/// The visitor salt of each UTC day, agreed by every producer of a deployment through a Kafka
/// topic (`VISITOR_SALTS_TOPIC`, by default `KAFKA_TOPIC-salts`, compacted).
///
/// Records are keyed by day (`2026-12-02`) with the salt in hex as the value. The first salt
/// written for a day wins: a producer adopts a day's salt only once it has read it back from
/// the topic, never its own proposal, and a producer that reads a later, different salt for a
/// day writes the first one again, so that what compaction keeps (the last) is the winner too.
/// Today's and tomorrow's salts are settled ahead of midnight; older days are forgotten in
/// memory and tombstoned on the topic, so no salt outlives its day for long.
final class VisitorSalts: Sendable {
    let topic: String
    private let reader: KafkaTopicReader
    /// A producer of its own that reports every delivery: a failed write is retried, and the
    /// service's producer may report only failures (`ACK_MODE=enqueued`), where a completion
    /// would never run for a write that succeeded.
    private let producer: KafkaProducer
    private let logger: Logger
    private let state = Mutex(Known())
    private let thread = BackgroundThread(name: "visitor-salts")
    /// Grows whenever a day's salt is forgotten, so no thread keeps using one.
    private let generation = Atomic<UInt64>(0)
    /// Each thread's last answer: the day's salt in effect with the day's first second (Unix
    /// time), read on every event without `user_id` with no lock taken. A day's adopted salt never
    /// changes, so an answer holds for its day until `generation` moves.
    private let current = ThreadLocal<(generation: UInt64, dayStart: Int64, salt: VisitorSalt)>()

    private struct Known {
        /// The adopted (first) salt per day, for today and tomorrow.
        var salts: [String: VisitorSalt] = [:]
        /// Days this producer proposed a salt for, or re-published the winner of, or tombstoned.
        var proposed: Set<String> = []
        var republished: Set<String> = []
        var tombstoned: Set<String> = []
    }

    init(client: KafkaClientConfiguration, topic: String, logger: Logger) throws(KafkaError) {
        self.topic = topic
        self.logger = logger
        var saltsClient = client
        saltsClient.clientID += "-salts"
        var configuration = KafkaProducerConfiguration(client: saltsClient)
        configuration.lingerMilliseconds = 0
        producer = try KafkaProducer(configuration: configuration, logger: logger)
        reader = try KafkaTopicReader(client: saltsClient, topic: topic, logger: logger)
    }

    /// The salt for the day of `date`, or nil while the producers have not agreed on it yet.
    func salt(at date: Date) -> VisitorSalt? {
        let dayStart = RFC3339.intervalStart(date, seconds: 86_400)
        // Read before the salts, so a day forgotten meanwhile makes the next call look again.
        let now = generation.load(ordering: .acquiring)
        if let known = current.value, known.generation == now, known.dayStart == dayStart { return known.salt }
        let adopted = state.withLock { $0.salts[RFC3339.day(date)] }
        // Each thread keeps a key array of its own: reading it shares no reference count either.
        current.value = adopted.flatMap { salt in
            VisitorSalt(day: salt.day, key: salt.key.map { $0 }).map { (now, dayStart, $0) }
        }
        return adopted
    }

    /// Starts following the topic on a thread of its own and waits up to `timeout` for today's
    /// salt; returns whether it is known. Without it, events that need a visitor id are answered
    /// 503 until it is.
    func start(waitingUpTo timeout: Duration) -> Bool {
        thread.start { [self] stop in run(until: stop) }
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if salt(at: Date()) != nil { return true }
            Thread.sleep(forTimeInterval: 0.02)
        }
        return false
    }

    /// Stops following the topic, waits for the thread, then lets Kafka have the writes in
    /// flight (within `timeout`). Idempotent.
    func shutdown(timeout: Duration) {
        thread.stopAndJoin()
        producer.shutdown(timeout: timeout)
        reader.shutdown()
    }

    private func run(until stop: StopRequest) {
        var started = false
        var caughtUp = false
        var lastTick = ContinuousClock.now - .seconds(10)
        var complained = false
        while !stop.isRequested {
            do {
                if !started {
                    try reader.start(timeout: .seconds(5))
                    started = true
                }
                if !caughtUp {
                    caughtUp = try reader.catchUp(timeout: .seconds(5), stopping: { stop.isRequested }) {
                        apply($0)
                    }
                    if !caughtUp { continue }
                    logger.info("visitor salts read", metadata: ["topic": "\(topic)"])
                }
                if let record = try reader.poll(timeoutMilliseconds: 100) { apply(record) }
                if ContinuousClock.now - lastTick >= .milliseconds(500) {
                    lastTick = ContinuousClock.now
                    settle(now: Date())
                }
                complained = false
            } catch {
                if !complained {
                    logger.warning(
                        "cannot read the visitor salts topic yet; events without user_id are answered 503 until it can be",
                        metadata: ["topic": "\(topic)", "error": "\(error)"])
                    complained = true
                }
                stop.wait(for: .seconds(1))
            }
        }
    }

    /// One record of the salts topic.
    private func apply(_ record: KafkaRecord) {
        guard let key = record.key, let day = String(validating: key, as: UTF8.self) else { return }
        let today = RFC3339.day(Date())
        if day < today {
            // A past day: never adopted; make sure it gets deleted.
            if state.withLock({ $0.salts.removeValue(forKey: day) }) != nil { generation.add(1, ordering: .releasing) }
            if !record.isTombstone { tombstone(day) }
            return
        }
        guard !record.isTombstone,
            let salt = VisitorSalt(day: day, hexKey: String(decoding: record.value, as: UTF8.self))
        else { return }
        let republish: VisitorSalt? = state.withLock { known in
            guard let adopted = known.salts[day] else {
                known.salts[day] = salt
                return nil
            }
            guard adopted != salt, !known.republished.contains(day) else { return nil }
            known.republished.insert(day)
            return adopted
        }
        if let republish {
            logger.info("two salts were proposed for one day; writing the first again", metadata: ["day": "\(day)"])
            write(day: day, value: Array(republish.hexKey.utf8))
        }
    }

    /// Proposes salts for today and tomorrow where none is known, and forgets past days.
    private func settle(now: Date) {
        let today = RFC3339.day(now)
        let tomorrow = RFC3339.day(now.addingTimeInterval(86_400))
        let (proposals, expired): ([VisitorSalt], [String]) = state.withLock { known in
            let proposals = [today, tomorrow].filter { known.salts[$0] == nil && !known.proposed.contains($0) }
                .map { VisitorSalt.random(day: $0) }
            for proposal in proposals { known.proposed.insert(proposal.day) }
            let expired = known.salts.keys.filter { $0 < today }
            for day in expired { known.salts[day] = nil }
            known.proposed = known.proposed.filter { $0 >= today }
            known.republished = known.republished.filter { $0 >= today }
            return (proposals, expired)
        }
        if !expired.isEmpty { generation.add(1, ordering: .releasing) }
        for proposal in proposals { write(day: proposal.day, value: Array(proposal.hexKey.utf8)) }
        for day in expired { tombstone(day) }
    }

    private func tombstone(_ day: String) {
        let first = state.withLock { $0.tombstoned.insert(day).inserted }
        if first { write(day: day, value: nil) }
    }

    private func write(day: String, value: [UInt8]?) {
        do {
            try producer.send(KafkaOutgoingMessage(topic: topic, key: Array(day.utf8), value: value)) { [self] result in
                if case .failure(let error) = result { failedWrite(day: day, error) }
            }
        } catch {
            failedWrite(day: day, error)
        }
    }

    /// Logs a write that failed and lets the next round try it again.
    private func failedWrite(day: String, _ error: KafkaError) {
        logger.warning(
            "could not write to the visitor salts topic", metadata: ["topic": "\(topic)", "error": "\(error)"])
        state.withLock { known in
            known.proposed.remove(day)
            known.tombstoned.remove(day)
            known.republished.remove(day)
        }
    }
}
