import Foundation
import TestSupport
import XCTest

/// `consumer --forget-group NAME` deletes what a retired group left on the partials topic, and
/// only that. Against the real binaries and the development broker.
final class ForgetGroupTests: PipelineTestCase {
    private var partialsTopic: String { pipeline.topic + "-partials" }

    /// The latest record of each key on the partials topic.
    private func latestByKey() throws -> [String: TopicRecord] {
        var latest: [String: TopicRecord] = [:]
        for record in try Kcat.readAll(brokers: pipeline.brokers, topic: partialsTopic) {
            guard let key = record.key else { continue }
            latest[key] = record
        }
        return latest
    }

    private func forget(_ group: String) throws -> (status: Int32?, stdout: String, stderr: String) {
        try ServiceProcess.run(
            "consumer", arguments: ["--forget-group", group], environment: ["KAFKA_BROKERS": pipeline.brokers],
            timeout: 90)
    }

    func testForgettingAGroupTombstonesItsPartialStatesAndNoOneElses() throws {
        // A real group leaves real partial states: one for each of the six partitions.
        try pipeline.startProducer()
        let (consumer, port) = try pipeline.startConsumer(environment: ["PARTIALS_INTERVAL_MS": "200"])
        for event in SampleEvents.all { XCTAssertEqual(try pipeline.post("/event", event).status, 202) }
        XCTAssertEqual(pipeline.waitForTotal(SampleEvents.all.count, port: port)["total_events"] as? Int, 4)
        consumer.signal(SIGTERM)
        XCTAssertEqual(consumer.waitForExit(timeout: 30), 0, consumer.output)
        let group = pipeline.group
        let ownKeys = Set((0..<6).map { "\(group)/\(pipeline.topic)/\($0)" })
        var seen: [String] = []
        let published = try Wait.until(timeout: 20) {
            seen = try latestByKey().keys.sorted()
            return ownKeys.isSubset(of: seen)
        }
        XCTAssertTrue(published, "the group's partials are not on \(partialsTopic): \(seen)")
        // Keys of other groups, one of them whose name starts with this group's and a "/".
        let others = ["\(group)/x/\(pipeline.topic)/0", "second-group/\(pipeline.topic)/0"]
        try Kcat.produce(brokers: pipeline.brokers, topic: partialsTopic, keyed: others.map { ($0, "kept") })

        let (status, stdout, stderr) = try forget(group)
        XCTAssertEqual(status, 0, stderr)
        XCTAssertTrue(
            stdout.contains(
                "forgot group \"\(group)\" on \(partialsTopic): 6 partial states deleted, 0 already deleted"),
            stdout + stderr)
        let latest = try latestByKey()
        for key in ownKeys { XCTAssertEqual(latest[key]?.isTombstone, true, "\(key) is not deleted") }
        for key in others {
            XCTAssertEqual(latest[key]?.isTombstone, false, "\(key) of another group was touched")
            XCTAssertEqual(latest[key]?.payload, "kept")
        }

        // Again: nothing left to delete, and it says so.
        let again = try forget(group)
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stdout.contains("0 partial states deleted, 6 already deleted"), again.stdout)
    }

    func testForgettingWithoutABrokerFailsAndSaysWhy() throws {
        let (status, stdout, stderr) = try ServiceProcess.run(
            "consumer", arguments: ["--forget-group", "any"], environment: ["KAFKA_BROKERS": "127.0.0.1:1"],
            timeout: 60)
        XCTAssertEqual(status, 1, stdout + stderr)
        let last = stderr.split(separator: "\n").last.map(String.init) ?? ""
        XCTAssertTrue(last.hasPrefix("consumer: --forget-group any: "), stderr)
        XCTAssertTrue(last.contains("analytics-events-partials"), stderr)
    }
}
