import Foundation
import Logging
import XCTest

@testable import Kafka

/// A completion is called exactly once or refused: never accepted and left uncalled.
final class DeliveryReportTests: XCTestCase {
    private let logger = Logger(label: "kafka-delivery-report-tests")

    /// librdkafka reports only failures on such a producer: a completion given to it would never
    /// run for a record that is delivered (its context leaked; `send(_:) async` hung).
    func testAProducerReportingOnlyFailuresRefusesACompletion() async throws {
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("failures-only", partitions: 1)
        var configuration = testProducerConfiguration(cluster.bootstrapServers, linger: 0)
        configuration.reportOnlyFailures = true
        let producer = try KafkaProducer(configuration: configuration, logger: logger)
        defer { producer.shutdown() }
        let message = KafkaOutgoingMessage(topic: "failures-only", key: nil, value: Array("a".utf8))

        XCTAssertThrowsError(try producer.send(message) { _ in }) { error in
            XCTAssertEqual(error as? KafkaError, .deliveryReportsOff)
        }
        do {
            _ = try await producer.send(message)
            XCTFail("an awaited send on a producer that reports only failures must be refused")
        } catch {
            XCTAssertEqual(error, .deliveryReportsOff)
        }
        // Without a completion it is sent as before.
        XCTAssertNoThrow(try producer.send(message, completion: nil))
        XCTAssertEqual(producer.flush(timeout: .seconds(10)), 0)
    }
}
