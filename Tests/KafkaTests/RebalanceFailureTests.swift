import Foundation
import Logging
import XCTest

@testable import Kafka

/// A member that cannot take the partitions its group gives it stops loudly instead of
/// stalling them until the next rebalance. Against the development broker.
final class RebalanceFailureTests: XCTestCase {
    private let logger = Logger(label: "kafka-rebalance-tests")

    /// `KafkaConsumer` assigns eagerly; under the cooperative protocol librdkafka refuses an eager
    /// `rd_kafka_assign`, which makes the assignment fail the way a broken one would.
    func testAFailedAssignmentIsThrownByTheNextPoll() throws {
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("refused", partitions: 2)
        var configuration = testConsumerConfiguration(cluster.bootstrapServers, group: "refusing")
        configuration.client.additionalProperties["partition.assignment.strategy"] = "cooperative-sticky"
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        defer { consumer.shutdown() }
        try consumer.subscribe(topics: ["refused"])

        var thrown: KafkaError?
        let deadline = Date().addingTimeInterval(20)
        while thrown == nil, Date() < deadline {
            do {
                _ = try consumer.poll(maxRecords: 100, timeoutMilliseconds: 200)
            } catch {
                thrown = error
            }
        }
        guard case .operationFailed(let operation, _, _)? = thrown else {
            return XCTFail("expected the assignment's failure, got \(String(describing: thrown))")
        }
        XCTAssertTrue(operation.hasPrefix("assign"), operation)
        XCTAssertTrue(operation.contains("refused"), operation)
        // Once failed, the consumer stays failed: a later poll does not quietly go on.
        XCTAssertThrowsError(try consumer.poll(maxRecords: 1, timeoutMilliseconds: 10))
    }
}
