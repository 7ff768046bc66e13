import Foundation
import TestSupport
import XCTest

/// `kafka-dev-broker` as a developer starts it: the topics and partition counts asked for.
final class DevelopmentBrokerTests: XCTestCase {
    func testTopicsGetTheirOwnPartitionCountOrTheDefault() throws {
        try XCTSkipUnless(Kcat.isInstalled, "kcat is required: apt-get install kcat (make test installs it)")
        let broker = try ServiceProcess(
            "kafka-dev-broker",
            arguments: ["--port", "0", "--topic", "wide:5", "--topic", "plain", "--partitions", "2"])
        defer { broker.signal(SIGTERM) }
        XCTAssertTrue(broker.waitForOutput("kafka-dev-broker ready on localhost:"), broker.output)
        let port = try XCTUnwrap(broker.stdout.firstMatch(of: /ready on localhost:(\d+)/)?.output.1)
        let counts = try Kcat.partitionCounts(brokers: "localhost:\(port)")
        XCTAssertEqual(
            counts,
            [
                "wide": 5, "wide-partials": 5, "wide-salts": 1, "plain": 2, "plain-partials": 2, "plain-salts": 1,
            ], broker.output)
    }

    func testABadTopicSpecificationIsRefusedWithItsName() throws {
        let broker = try ServiceProcess("kafka-dev-broker", arguments: ["--port", "0", "--topic", "events:many"])
        XCTAssertNotEqual(broker.waitForExit(), 0)
        XCTAssertTrue(broker.stderr.contains("--topic events:many: expected NAME or NAME:COUNT"), broker.output)
    }
}
