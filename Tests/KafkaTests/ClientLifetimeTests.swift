import Foundation
import Logging
import Synchronization
import XCTest

@testable import Kafka

/// What a Kafka client leaves behind when it goes: nothing. Against the development broker.
final class ClientLifetimeTests: XCTestCase {
    private let logger = Logger(label: "kafka-lifetime-tests")

    private static func entries(of directory: String) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: directory).count) ?? -1
    }

    private static func counts() -> (threads: Int, descriptors: Int) {
        (entries(of: "/proc/self/task"), entries(of: "/proc/self/fd"))
    }

    /// Threads and file descriptors of this process once they have not changed for half a second
    /// (a thread told to stop may take a moment to be gone).
    private func settledCounts() -> (threads: Int, descriptors: Int) {
        var counts = Self.counts()
        var stableSince = Date()
        let deadline = Date().addingTimeInterval(10)
        while Date().timeIntervalSince(stableSince) < 0.5, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            let next = Self.counts()
            if next != counts { (counts, stableSince) = (next, Date()) }
        }
        return counts
    }

    /// The counts once they are back to `baseline` or lower, or after 15 s: the development
    /// broker closes its end of a connection whose group join it was holding (3 s for a new
    /// group) only when it answers the join.
    private func counts(returningTo baseline: (threads: Int, descriptors: Int)) -> (threads: Int, descriptors: Int) {
        var counts = Self.counts()
        let deadline = Date().addingTimeInterval(15)
        while counts.threads > baseline.threads || counts.descriptors > baseline.descriptors, Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            counts = Self.counts()
        }
        return counts
    }

    /// A producer nobody refers to any more is freed with its thread and connections, whether it
    /// was shut down or simply dropped; so is a consumer.
    func testDroppedClientsGiveBackTheirThreadsAndDescriptors() throws {
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("lifetimes", partitions: 2)
        // librdkafka starts process-wide state with its first client: counted from after one.
        do {
            let warmUp = try KafkaProducer(
                configuration: testProducerConfiguration(cluster.bootstrapServers, linger: 0), logger: logger)
            XCTAssertTrue(warmUp.checkBrokers(topic: "lifetimes"))
        }
        let baseline = settledCounts()
        for index in 0..<100 {
            let producer = try KafkaProducer(
                configuration: testProducerConfiguration(cluster.bootstrapServers, linger: 0), logger: logger)
            // Connected, so each one has a broker connection to give back.
            XCTAssertTrue(producer.checkBrokers(topic: "lifetimes"))
            if index.isMultiple(of: 2) { producer.shutdown(timeout: .seconds(1)) }
        }
        for index in 0..<100 {
            let consumer = try KafkaConsumer(
                configuration: testConsumerConfiguration(cluster.bootstrapServers, group: "lifetime-\(index)"),
                logger: logger)
            try consumer.subscribe(topics: ["lifetimes"])
            _ = try consumer.pollBatch(maxRecords: 10, timeoutMilliseconds: 10)
            if index.isMultiple(of: 2) { consumer.shutdown() }
        }
        let after = counts(returningTo: baseline)
        // At most as many: idle Dispatch workers of earlier tests may leave meanwhile.
        XCTAssertLessThanOrEqual(after.threads, baseline.threads, "threads")
        XCTAssertLessThanOrEqual(after.descriptors, baseline.descriptors, "file descriptors")
    }

    /// `shutdown` completes every record it could not deliver, as failed, and only once; `send`
    /// is refused afterwards.
    func testShutdownFailsWhatItCannotDeliverAndEachCompletionRunsOnce() throws {
        var configuration = testProducerConfiguration("127.0.0.1:1", linger: 0)  // nothing listens there
        configuration.deliveryTimeoutMilliseconds = 60_000
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let outcomes = OutcomeLog()
        for index in 0..<10 {
            try producer.send(KafkaOutgoingMessage(topic: "t", key: nil, value: [UInt8(index)])) { outcomes.add($0) }
        }
        let started = ContinuousClock.now
        XCTAssertEqual(producer.shutdown(timeout: .milliseconds(200)), 10)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5), "waited for librdkafka's own timeout")
        XCTAssertEqual(outcomes.failures, 10)
        XCTAssertEqual(outcomes.successes, 0)
        XCTAssertEqual(producer.shutdown(), 10, "a second shutdown reports the same and does nothing")
        XCTAssertEqual(outcomes.failures, 10)
        XCTAssertThrowsError(try producer.send(KafkaOutgoingMessage(topic: "t", key: nil, value: [1]), completion: nil))
        {
            XCTAssertEqual($0 as? KafkaError, .shutDown)
        }
    }

    /// Completions run on the producer's delivery-report thread, never on the thread that
    /// flushes (`rd_kafka_flush` would serve them on the caller).
    func testFlushLeavesCompletionsToTheDeliveryReportThread() throws {
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("flush-thread", partitions: 1)
        let producer = try KafkaProducer(
            configuration: testProducerConfiguration(cluster.bootstrapServers, linger: 0), logger: logger)
        let threads = OutcomeLog()
        for _ in 0..<20 {
            try producer.send(KafkaOutgoingMessage(topic: "flush-thread", key: nil, value: [1])) { result in
                threads.add(result)
                threads.addThread(UInt(pthread_self()))
            }
        }
        let flushing = UInt(pthread_self())
        XCTAssertEqual(producer.flush(timeout: .seconds(10)), 0)
        XCTAssertEqual(threads.successes, 20)
        XCTAssertEqual(threads.threads.filter { $0 == flushing }.count, 0, "completions ran on the flushing thread")
        producer.shutdown()
    }

    /// A polled batch holds its client: read after its consumer was shut down and released, its
    /// records are still there.
    func testABatchOutlivesItsConsumer() throws {
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("outlive", partitions: 1)
        let producer = try KafkaProducer(
            configuration: testProducerConfiguration(cluster.bootstrapServers, linger: 0), logger: logger)
        for index in 0..<5 {
            try producer.send(KafkaOutgoingMessage(topic: "outlive", key: nil, value: [UInt8(index)]), completion: nil)
        }
        XCTAssertEqual(producer.shutdown(), 0)
        var batch: KafkaMessageBatch?
        do {
            let consumer = try KafkaConsumer(
                configuration: testConsumerConfiguration(cluster.bootstrapServers, group: "outlive"), logger: logger,
                startPosition: { _ in .beginning })
            try consumer.subscribe(topics: ["outlive"])
            let deadline = Date().addingTimeInterval(20)
            while batch == nil && Date() < deadline {
                let polled = try consumer.pollBatch(maxRecords: 5, timeoutMilliseconds: 200)
                if polled.count == 5 { batch = polled }
            }
            consumer.shutdown()
        }
        let records = try XCTUnwrap(batch)
        XCTAssertEqual(
            (0..<records.count).map { index in records.withValue(at: index) { Array($0) } }, [[0], [1], [2], [3], [4]])
    }
}

/// Completions and the threads they ran on, from any thread.
private final class OutcomeLog: Sendable {
    private let state = Mutex<(successes: Int, failures: Int, threads: [UInt])>((0, 0, []))

    func add(_ result: Result<DeliveryReport, KafkaError>) {
        state.withLock {
            if case .success = result { $0.successes += 1 } else { $0.failures += 1 }
        }
    }

    func addThread(_ thread: UInt) { state.withLock { $0.threads.append(thread) } }

    var successes: Int { state.withLock { $0.successes } }
    var failures: Int { state.withLock { $0.failures } }
    var threads: [UInt] { state.withLock { $0.threads } }
}
