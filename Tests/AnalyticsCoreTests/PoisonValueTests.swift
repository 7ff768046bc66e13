import AnalyticsCore
import Foundation
import TestSupport
import XCTest

/// Issue 29: one event with an extreme value must not blank the statistics. Whatever a record on
/// the topic carries, and whatever a partial state on the partials topic claims, every figure
/// stays finite and the snapshot stays encodable; a partial that no consumer could have written
/// is refused before it is merged.
final class PoisonValueTests: XCTestCase {
    let noon = Date(timeIntervalSince1970: 1_795_867_200)

    private func event(_ index: Int, type: String, at time: Date) -> AnalyticsEvent {
        AnalyticsEvent(
            id: UUID().uuidString.lowercased(), type: type, userID: "user-\(index % 7)",
            sessionID: "session-\(index % 5)", url: "https://example.com/p\(index % 3)", path: "/p\(index % 3)",
            timestamp: RFC3339.formatWithMilliseconds(time))
    }

    /// The release scenario: two page views with `load_time` 1e308 read from the topic.
    func testTwoHugeLoadTimesFromTheTopicLeaveTheSnapshotEncodable() throws {
        var aggregator = AnalyticsAggregator()
        for index in 0..<2 {
            let record = event(index, type: "page_view", at: noon)
            aggregator.apply(record, receivedAt: noon, loadTime: 1e308)
        }
        let snapshot = aggregator.snapshot(now: noon)
        XCTAssertEqual(snapshot.totalEvents, 2)
        XCTAssertEqual(snapshot.performanceMetrics.samples, 0, "an out-of-range load time is left out")
        let json = try JSONSerialization.jsonObject(with: Data(StatsRenderer().json(snapshot))) as? [String: Any]
        XCTAssertEqual(json?["total_events"] as? Int, 2)
    }

    /// A property test: any sequence of extreme but finite values — load times, instants at the
    /// ends of what RFC 3339 can write — applied, merged and sent through partial states, leaves
    /// every figure finite.
    func testNoSequenceOfExtremeValuesMakesAStatisticNonFinite() throws {
        var generator = SplitMix64(seed: 2_912)
        let loadTimes: [Double?] = [
            nil, 0, 5e-324, 1e-9, 3_600_000, 3_600_000.nextUp, 1e15, 1e308, .greatestFiniteMagnitude, -1e308,
        ]
        let times = [
            "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "1970-01-01T00:00:00Z", "2026-12-05T12:00:00Z",
        ].compactMap(RFC3339.parse)
        XCTAssertEqual(times.count, 4)
        for round in 0..<8 {
            var parts = (0..<3).map { _ in AnalyticsAggregator() }
            for index in 0..<400 {
                let time = times.randomElement(using: &generator) ?? noon
                let type = ["page_view", "click", "session", "signup"].randomElement(using: &generator) ?? "click"
                let part = Int.random(in: 0..<3, using: &generator)
                parts[part].apply(
                    event(index, type: type, at: time), receivedAt: time,
                    loadTime: loadTimes.randomElement(using: &generator) ?? nil)
            }
            var whole = AnalyticsAggregator()
            for (index, part) in parts.enumerated() {
                let state = PartialState(
                    topic: "events", partition: Int32(index), nextOffset: 400, takenAt: noon, aggregator: part)
                let decoded = try PartialState(bytes: state.encoded(), configuration: AggregatorConfiguration())
                whole.merge(decoded.aggregator)
                whole.merge(part)
            }
            for now in times + [noon] {
                let snapshot = whole.snapshot(now: now)
                XCTAssertNoThrow(try StatsRenderer().json(snapshot), "round \(round) at \(now)")
                let doubles = [
                    snapshot.performanceMetrics.averageLoadTime, snapshot.performanceMetrics.medianLoadTime,
                    snapshot.performanceMetrics.p95LoadTime, snapshot.sessionMetrics.bounceRate,
                    snapshot.sessionMetrics.averageDurationSeconds, snapshot.sessionMetrics.pagesPerSession,
                ]
                XCTAssertTrue(doubles.allSatisfy(\.isFinite), "round \(round): \(doubles)")
                XCTAssertLessThanOrEqual(snapshot.performanceMetrics.p95LoadTime, 3_600_000)
            }
        }
    }

    /// A state published with a load-time sum of infinity (as the consumers before issue 29
    /// published after two 1e308 values) is refused with a reason, not merged.
    func testAPartialStateWithANonFiniteOrImpossibleFigureIsRefused() throws {
        var aggregator = AnalyticsAggregator()
        aggregator.apply(event(1, type: "page_view", at: noon), receivedAt: noon, loadTime: 1234.5678)
        let state = PartialState(topic: "events", partition: 0, nextOffset: 1, takenAt: noon, aggregator: aggregator)
        let bytes = state.encoded()
        XCTAssertNoThrow(try PartialState(bytes: bytes, configuration: AggregatorConfiguration()))
        for (poison, reason) in [
            (Double.infinity, "load-time sum inf for 1 samples"),
            (.nan, "load-time sum nan for 1 samples"),
            (1e300, "load-time sum 1e+300 for 1 samples"),
        ] {
            let poisoned = try XCTUnwrap(ByteSurgery.replacing(1234.5678, with: poison, in: bytes))
            XCTAssertThrowsError(try PartialState(bytes: poisoned, configuration: AggregatorConfiguration())) {
                XCTAssertEqual($0 as? PartialStateError, .corrupt(reason))
            }
        }
        let future = try XCTUnwrap(ByteSurgery.replacing(noon.timeIntervalSince1970, with: 1e300, in: bytes))
        XCTAssertThrowsError(try PartialState(bytes: future, configuration: AggregatorConfiguration())) {
            XCTAssertEqual($0 as? PartialStateError, .corrupt("time taken 1e+300"))
        }
    }

    /// Counts are bounded so that no sum of them overflows: a total of `Int.max` is refused.
    func testAPartialStateWithAnImpossibleCountIsRefused() throws {
        var aggregator = AnalyticsAggregator()
        for index in 0..<3 { aggregator.apply(event(index, type: "click", at: noon), receivedAt: noon) }
        let bytes = PartialState(
            topic: "events", partition: 0, nextOffset: 3, takenAt: noon, aggregator: aggregator
        ).encoded()
        // The events over the sites capacity (0) are the first figure after the header, then the
        // remainder's total (0); every count is read through the same bound.
        let header = 3 + 1 + "events".utf8.count + 1 + 1 + 8
        XCTAssertEqual(bytes[header], 0)
        let huge =
            Array(bytes[..<header]) + [0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]
            + bytes[(header + 1)...]
        XCTAssertThrowsError(try PartialState(bytes: huge, configuration: AggregatorConfiguration())) {
            XCTAssertEqual($0 as? PartialStateError, .corrupt("events over the sites capacity 9223372036854775807"))
        }
    }
}
