import AnalyticsCore
import Foundation
import TestSupport
import XCTest

/// Issue 29, with the real binaries: two page views with `load_time` 1e308 made `/analytics`
/// answer `200 {}` from then on, and the poison travelled to every member through the partials
/// topic. The producer now refuses such a number with a 400 naming it; a consumer bounds it again
/// when another producer wrote it on the topic; and a partial state holding a non-finite figure
/// is skipped with a log line naming its key, its partition rebuilt from the events topic.
final class PoisonValuesEndToEndTests: XCTestCase {
    func testAHugeLoadTimeIsRefusedAtIntakeAndCannotBlankTheStatistics() throws {
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer()

        let refused = try pipeline.post(
            "/event", #"{"type":"page_view","url":"https://example.com/a","metadata":{"load_time":1.0e308}}"#)
        XCTAssertEqual(refused.status, 400, refused.text)
        XCTAssertEqual(refused.json["field"] as? String, "metadata.load_time", refused.text)
        XCTAssertEqual(
            refused.json["error"] as? String,
            #""metadata.load_time" must be a number of milliseconds from 0 to 3600000"#)

        // Another producer writes the same values, and one good one, on partition 0 of the topic.
        let now = RFC3339.formatWithMilliseconds(Date())
        let records = (0..<3).map { index in
            #"{"id":"\#(UUID().uuidString.lowercased())","type":"page_view","session_id":"s\#(index)","#
                + #""user_id":"u\#(index)","url":"https://example.com/a","path":"/a","timestamp":"\#(now)","#
                + #""metadata":{"load_time":\#(index < 2 ? "1.0e308" : "250")}}"#
        }
        try Kcat.produce(brokers: pipeline.brokers, topic: pipeline.topic, partition: 0, values: records)

        // A partial state for partition 0 as a consumer before issue 29 published it after such
        // values: a load-time sum of infinity, claiming the partition's first 1,000 records.
        var poisoned = AnalyticsAggregator()
        poisoned.apply(
            AnalyticsEvent(id: UUID().uuidString.lowercased(), type: "page_view", path: "/poison", timestamp: now),
            loadTime: 1234.5678)
        let state = PartialState(
            topic: pipeline.topic, partition: 0, nextOffset: 1_000, takenAt: Date(), aggregator: poisoned)
        let bytes = try XCTUnwrap(ByteSurgery.replacing(1234.5678, with: .infinity, in: state.encoded()))
        let key = PartialState.key(group: pipeline.group, topic: pipeline.topic, partition: 0)
        try Kcat.produce(brokers: pipeline.brokers, topic: pipeline.topic + "-partials", key: key, bytes: bytes)

        let (consumer, port) = try pipeline.startConsumer()
        let stats = pipeline.waitForTotal(3, port: port)
        XCTAssertEqual(stats["total_events"] as? Int, 3, "\(stats)\n\(pipeline.output)")
        let performance = stats["performance_metrics"] as? [String: Any] ?? [:]
        XCTAssertEqual(performance["samples"] as? Int, 1, "only the load time in range counts: \(performance)")
        XCTAssertEqual(performance["avg_load_time_ms"] as? Double, 250)
        let pages = (stats["top_pages"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        XCTAssertEqual(pages, ["/a"], "the poisoned partial was not merged")
        XCTAssertTrue(
            consumer.waitForOutput("skipping unreadable partial state", timeout: 5)
                && consumer.output.contains(key) && consumer.output.contains("load-time sum inf"),
            consumer.output)
    }
}
