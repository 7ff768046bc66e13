import Foundation
import Logging
import XCTest

@testable import Kafka

/// The Kafka layer against a real Kafka-protocol broker: librdkafka's mock cluster over TCP.
final class KafkaRoundTripTests: XCTestCase {
    private let logger = Logger(label: "kafka-tests")

    func testProducedRecordsComeBackWithKeyHeadersAndOffsets() async throws {
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("round-trip", partitions: 3)
        let producer = try KafkaProducer(
            configuration: testProducerConfiguration(cluster.bootstrapServers), logger: logger)
        var reports: [DeliveryReport] = []
        for index in 0..<10 {
            let message = KafkaOutgoingMessage(
                topic: "round-trip", key: Array("session-\(index % 2)".utf8), value: Array("value-\(index)".utf8),
                headers: [KafkaHeader(key: "event-type", value: "click")])
            reports.append(try await producer.send(message))
        }
        // Same key, same partition, increasing offsets.
        let evenPartitions = Set(reports.enumerated().filter { $0.offset % 2 == 0 }.map(\.element.partition))
        XCTAssertEqual(evenPartitions.count, 1)
        XCTAssertTrue(reports.allSatisfy { $0.offset >= 0 && $0.topic == "round-trip" })

        let consumer = try KafkaConsumer(
            configuration: testConsumerConfiguration(cluster.bootstrapServers, group: "g1"), logger: logger)
        try consumer.subscribe(topics: ["round-trip"])
        var records: [KafkaRecord] = []
        let deadline = Date().addingTimeInterval(30)
        while records.count < 10 && Date() < deadline {
            if let record = try consumer.poll(timeoutMilliseconds: 200) {
                records.append(record)
                try consumer.storeOffset(record)
            }
        }
        XCTAssertEqual(records.count, 10)
        XCTAssertEqual(
            Set(records.map { String(decoding: $0.value, as: UTF8.self) }), Set((0..<10).map { "value-\($0)" }))
        let first = try XCTUnwrap(records.first { String(decoding: $0.value, as: UTF8.self) == "value-0" })
        XCTAssertEqual(first.key.map { String(decoding: $0, as: UTF8.self) }, "session-0")
        XCTAssertEqual(first.headers, [KafkaHeader(key: "event-type", value: "click")])
        try consumer.commit()
        consumer.shutdown()
    }

    func testCommittedOffsetsAreNotReadAgainByTheGroup() async throws {
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("commits", partitions: 2)
        let producer = try KafkaProducer(
            configuration: testProducerConfiguration(cluster.bootstrapServers), logger: logger)
        func produce(_ range: Range<Int>) async throws {
            for index in range {
                _ = try await producer.send(
                    KafkaOutgoingMessage(topic: "commits", key: nil, value: Array("\(index)".utf8)))
            }
        }
        func consume(expecting count: Int) throws -> [String] {
            let consumer = try KafkaConsumer(
                configuration: testConsumerConfiguration(cluster.bootstrapServers, group: "g2"), logger: logger)
            try consumer.subscribe(topics: ["commits"])
            var values: [String] = []
            let deadline = Date().addingTimeInterval(30)
            // Read what is expected, then keep polling a little to catch any duplicate.
            var quietUntil: Date?
            while Date() < deadline {
                if let record = try consumer.poll(timeoutMilliseconds: 100) {
                    values.append(String(decoding: record.value, as: UTF8.self))
                    try consumer.storeOffset(record)
                }
                if values.count >= count {
                    if quietUntil == nil { quietUntil = Date().addingTimeInterval(1) }
                    if let quietUntil, Date() > quietUntil { break }
                }
            }
            consumer.shutdown()
            return values
        }
        try await produce(0..<5)
        XCTAssertEqual(Set(try consume(expecting: 5)), Set((0..<5).map(String.init)))
        try await produce(5..<8)
        XCTAssertEqual(try consume(expecting: 3).sorted(), (5..<8).map(String.init))
    }

    /// A backlog many times the prefetch queue: every record arrives, in order per partition, and
    /// with librdkafka before 2.1 the consumer woke its fetchers as the queue drained (without
    /// that, librdkafka fetched about one prefetch queue per second).
    func testBacklogLargerThanThePrefetchIsReadCompletely() throws {
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("backlog", partitions: 2)
        let producer = try KafkaProducer(
            configuration: testProducerConfiguration(cluster.bootstrapServers), logger: logger)
        let total = 30_000
        let padding = String(repeating: "x", count: 80)
        for index in 0..<total {
            try producer.send(
                KafkaOutgoingMessage(
                    topic: "backlog", key: Array("k\(index % 7)".utf8), value: Array("\(index) \(padding)".utf8)),
                completion: nil)
        }
        XCTAssertEqual(producer.flush(timeout: .seconds(30)), 0)

        var configuration = testConsumerConfiguration(cluster.bootstrapServers, group: "backlog")
        configuration.prefetchKilobytes = 256
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        try consumer.subscribe(topics: ["backlog"])
        var nextOffset: [Int32: Int64] = [:]
        var received = 0
        var outOfOrder = 0
        let deadline = Date().addingTimeInterval(60)
        while received < total && Date() < deadline {
            for record in try consumer.poll(maxRecords: 100, timeoutMilliseconds: 100) {
                if record.offset != nextOffset[record.partition, default: 0] { outOfOrder += 1 }
                nextOffset[record.partition] = record.offset + 1
                received += 1
            }
        }
        XCTAssertEqual(received, total)
        XCTAssertEqual(outOfOrder, 0)
        if FetchStallGuard.isNeeded {
            XCTAssertGreaterThan(consumer.fetchWakeups, 0)
        } else {
            XCTAssertEqual(consumer.fetchWakeups, 0)
        }
        consumer.shutdown()
    }

    /// librdkafka refuses a consumer whose `fetch.max.bytes` is below `message.max.bytes`; the
    /// fetch limits follow the prefetch, so every `CONSUMER_PREFETCH_MB` must still make one, and
    /// one fetch stays a small part of the prefetch (it lands decompressed on top of it).
    func testEveryPrefetchSizeMakesAConsumerWithFetchesSmallerThanThePrefetch() throws {
        for kilobytes in [256, 1024, 4096, 16_384, 1_048_576] {
            var configuration = testConsumerConfiguration("127.0.0.1:1", group: "prefetch-\(kilobytes)")
            configuration.prefetchKilobytes = kilobytes
            let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
            consumer.shutdown()
            let properties = Dictionary(configuration.properties, uniquingKeysWith: { $1 })
            let fetch = try XCTUnwrap(properties["fetch.max.bytes"].flatMap(Int.init))
            let partitionFetch = try XCTUnwrap(properties["max.partition.fetch.bytes"].flatMap(Int.init))
            XCTAssertLessThanOrEqual(fetch, max(128 << 10, kilobytes * 1024 / 8), "prefetch \(kilobytes) KiB")
            XCTAssertLessThanOrEqual(partitionFetch, fetch, "prefetch \(kilobytes) KiB")
        }
    }

    func testUnreachableBrokerFailsDeliveryWithinTheTimeout() async throws {
        var configuration = testProducerConfiguration("127.0.0.1:1")
        configuration.deliveryTimeoutMilliseconds = 1000
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        let started = ContinuousClock.now
        do {
            _ = try await producer.send(KafkaOutgoingMessage(topic: "t", key: nil, value: [1]))
            XCTFail("delivered to a broker that does not exist")
        } catch {
            guard case .deliveryFailed = error else { return XCTFail("unexpected \(error)") }
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10))
    }

    func testInvalidSettingsAreTypedErrors() {
        var configuration = testProducerConfiguration("localhost:9092")
        configuration.compression = "bogus"
        XCTAssertThrowsError(try KafkaProducer(configuration: configuration, logger: logger)) { error in
            guard case .configuration(let property, let value, _) = error as? KafkaError else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(property, "compression.type")
            XCTAssertEqual(value, "bogus")
        }
    }
}
