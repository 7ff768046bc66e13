import AnalyticsCore
import Foundation
import XCTest

/// Partial states: merging the partitions' partials gives the statistics of the whole stream, the
/// binary form round-trips, and partitions moving between members neither drop nor double counts.
final class GroupViewTests: XCTestCase {
    /// 2026-11-28T12:00:00Z, the injected "now" of these tests.
    let noon = Date(timeIntervalSince1970: 1_795_867_200)
    let partitions: Int32 = 6

    /// A deterministic mixed stream: `users` users, `pages` pages, sessions per user, a few
    /// custom events, referrers, user agents and load times, spread over the last 50 minutes.
    private func stream(count: Int, users: Int, pages: Int) -> [AnalyticsEvent] {
        let agents = [
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0",
        ]
        let referrers = [
            nil, "https://www.google.com/search", "https://twitter.com/x", "https://news.ycombinator.com/",
        ]
        let types = ["page_view", "page_view", "page_view", "click", "session", "signup"]
        return (0..<count).map { index in
            let user = (index * 7_919) % users
            let type = types[index % types.count]
            let path = "/page-\((index * 31) % pages)"
            return AnalyticsEvent(
                id: "00000000-0000-4000-8000-" + String(repeating: "0", count: 12 - String(index).count)
                    + String(index),
                type: type, userID: "user-\(user)",
                sessionID: "session-\(user)-\(index % 3)", url: "https://example.com" + path, path: path,
                referrer: referrers[index % referrers.count], userAgent: agents[index % agents.count],
                metadata: type == "page_view" ? ["load_time": .number(Double(100 + (index * 13) % 2_000))] : nil,
                timestamp: RFC3339.formatWithMilliseconds(noon.addingTimeInterval(-3_000 + Double(index % 3_000))))
        }
    }

    /// Where the producer would put the event: by its key, the session id.
    private func partition(of event: AnalyticsEvent) -> Int32 {
        Int32(
            truncatingIfNeeded: (event.sessionID ?? "").utf8.reduce(UInt32(2_166_136_261)) {
                ($0 ^ UInt32($1)) &* 16_777_619
            } % UInt32(partitions))
    }

    private func assertSameStatistics(
        _ merged: StatsSnapshot, _ whole: StatsSnapshot, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(merged.totalEvents, whole.totalEvents, file: file, line: line)
        XCTAssertEqual(merged.uniqueUsers, whole.uniqueUsers, file: file, line: line)
        XCTAssertEqual(merged.activeSessions, whole.activeSessions, file: file, line: line)
        XCTAssertEqual(merged.eventsByType, whole.eventsByType, file: file, line: line)
        XCTAssertEqual(merged.topPages, whole.topPages, file: file, line: line)
        XCTAssertEqual(merged.trafficSources, whole.trafficSources, file: file, line: line)
        XCTAssertEqual(merged.deviceStats, whole.deviceStats, file: file, line: line)
        XCTAssertEqual(merged.browserStats, whole.browserStats, file: file, line: line)
        XCTAssertEqual(merged.osStats, whole.osStats, file: file, line: line)
        XCTAssertEqual(merged.hourlyPageViews, whole.hourlyPageViews, file: file, line: line)
        XCTAssertEqual(merged.eventsPerMinute, whole.eventsPerMinute, file: file, line: line)
        XCTAssertEqual(merged.currentVisitors, whole.currentVisitors, file: file, line: line)
        XCTAssertEqual(merged.performanceMetrics, whole.performanceMetrics, file: file, line: line)
        XCTAssertEqual(merged.sessionMetrics, whole.sessionMetrics, file: file, line: line)
    }

    func testMergedPartialsEqualTheAggregateOfTheUnionWhileExact() {
        let events = stream(count: 20_000, users: 2_000, pages: 300)
        var whole = AnalyticsAggregator()
        var shares = (0..<partitions).map { _ in AnalyticsAggregator() }
        for event in events {
            whole.apply(event)
            shares[Int(partition(of: event))].apply(event)
        }
        var merged = AnalyticsAggregator()
        for share in shares { merged.merge(share) }
        let stats = merged.snapshot(now: noon)
        assertSameStatistics(stats, whole.snapshot(now: noon))
        XCTAssertEqual(stats.totalEvents, 20_000)
        XCTAssertEqual(stats.uniqueUsers, 2_000)
    }

    func testMergedSketchesStayWithinTheirBoundsPastExactMode() {
        let events = stream(count: 60_000, users: 20_000, pages: 3_000)
        var shares = (0..<partitions).map { _ in AnalyticsAggregator() }
        var views: [String: Int] = [:]
        for event in events {
            shares[Int(partition(of: event))].apply(event)
            if event.type == "page_view", let path = event.path { views[path, default: 0] += 1 }
        }
        var merged = AnalyticsAggregator()
        for share in shares { merged.merge(share) }
        let stats = merged.snapshot(now: noon)
        XCTAssertEqual(stats.totalEvents, 60_000)
        // Each partition's sketch has left exact mode (more than 2,048 users each).
        let users = Double(stats.uniqueUsers)
        XCTAssertEqual(users, 20_000, accuracy: 20_000 * 3 * 0.0081, "unique users \(stats.uniqueUsers)")
        // Space-Saving never underestimates; each count is over by at most N / capacity per merge side.
        for page in stats.topPages {
            let truth = views[page.path, default: 0]
            XCTAssertGreaterThanOrEqual(page.views, truth, page.path)
        }
    }

    func testPartialStateRoundTripsThroughItsBytes() throws {
        var aggregator = AnalyticsAggregator()
        for event in stream(count: 5_000, users: 3_000, pages: 40) { aggregator.apply(event) }
        let state = PartialState(
            topic: "analytics-events", partition: 3, nextOffset: 5_000, takenAt: noon, aggregator: aggregator)
        let bytes = state.encoded()
        let decoded = try PartialState(bytes: bytes, configuration: AggregatorConfiguration())
        XCTAssertEqual(decoded.topic, "analytics-events")
        XCTAssertEqual(decoded.partition, 3)
        XCTAssertEqual(decoded.nextOffset, 5_000)
        XCTAssertEqual(decoded.takenAt, noon)
        XCTAssertEqual(decoded.key(group: "analytics-consumer-group"), "analytics-consumer-group/analytics-events/3")
        assertSameStatistics(decoded.aggregator.snapshot(now: noon), aggregator.snapshot(now: noon))
        XCTAssertEqual(decoded.encoded().count, bytes.count)
    }

    /// A partial is one group's progress: another group, or another topic, must not take it.
    func testPartialKeysBelongToOneGroupAndTopic() {
        func partition(_ key: String, group: String, topic: String) -> Int32? {
            PartialState.partition(inKey: Array(key.utf8), group: group, topic: topic)
        }
        let key = PartialState.key(group: "web", topic: "events", partition: 12)
        XCTAssertEqual(partition(key, group: "web", topic: "events"), 12)
        XCTAssertNil(partition(key, group: "web2", topic: "events"))
        XCTAssertNil(partition(key, group: "we", topic: "events"))
        XCTAssertNil(partition(key, group: "web", topic: "event"))
        // A group id may hold "/"; topic names cannot, and partitions are digits only.
        let slashed = PartialState.key(group: "web/a", topic: "b", partition: 1)
        XCTAssertEqual(partition(slashed, group: "web/a", topic: "b"), 1)
        XCTAssertNil(partition(slashed, group: "web", topic: "a"))
        XCTAssertNil(partition("web/events/", group: "web", topic: "events"))
        XCTAssertNil(partition("web/events/-1", group: "web", topic: "events"))
        XCTAssertNil(partition("web/events/99999999999", group: "web", topic: "events"))
    }

    func testDamagedPartialStatesAreRefusedWithAReason() {
        let state = PartialState(
            topic: "t", partition: 0, nextOffset: 1, takenAt: noon, aggregator: AnalyticsAggregator())
        let bytes = state.encoded()
        XCTAssertThrowsError(try PartialState(bytes: Array(bytes.prefix(bytes.count - 3)), configuration: .init())) {
            XCTAssertEqual($0 as? PartialStateError, .truncated)
        }
        XCTAssertThrowsError(try PartialState(bytes: Array("{\"json\":true}".utf8), configuration: .init())) {
            XCTAssertEqual($0 as? PartialStateError, .unsupportedFormat("unknown header"))
        }
        var newer = bytes
        newer[2] = 9
        XCTAssertThrowsError(try PartialState(bytes: newer, configuration: .init())) {
            XCTAssertEqual($0 as? PartialStateError, .unsupportedFormat("format version 9"))
        }
        XCTAssertThrowsError(try PartialState(bytes: bytes + [0], configuration: .init())) {
            XCTAssertEqual($0 as? PartialStateError, .corrupt("trailing bytes"))
        }
    }

    /// Three members; one leaves and its partitions move to the others, who continue from the
    /// published states: every member's merged view equals the single-process aggregate.
    func testPartitionsMovingBetweenMembersNeitherDropNorDoubleCounts() throws {
        let events = stream(count: 12_000, users: 1_500, pages: 120)
        var log: [[AnalyticsEvent]] = Array(repeating: [], count: Int(partitions))
        for event in events { log[Int(partition(of: event))].append(event) }
        var whole = AnalyticsAggregator()
        events.forEach { whole.apply($0) }

        var members = (0..<3).map { _ in GroupView(topic: "t", configuration: AggregatorConfiguration()) }
        // Encoded as the consumer publishes them: owned states by `encodedState`, released ones as
        // they are given away.
        var published: [[UInt8]] = []
        func exchange(publishers: Range<Int> = 0..<3) throws {
            for index in publishers {
                let partitions = members[index].partitionsToPublish()
                published += partitions.compactMap { members[index].encodedState(of: $0, now: noon) }
            }
            for bytes in published {
                // Through the bytes, as on the topic.
                let copy = try PartialState(bytes: bytes, configuration: AggregatorConfiguration())
                for index in members.indices { members[index].receive(copy) }
            }
            published.removeAll()
        }
        var owner: [Int32: Int] = [:]
        for partition in 0..<partitions {
            owner[partition] = Int(partition) % 3
            XCTAssertNil(members[Int(partition) % 3].adopt(partition))
        }
        // First half of every partition, then an exchange.
        var read = Array(repeating: 0, count: Int(partitions))
        for partition in 0..<partitions {
            let half = log[Int(partition)].count / 2
            for offset in 0..<half {
                let outcome = members[owner[partition, default: 0]].apply(
                    log[Int(partition)][offset], partition: partition, offset: Int64(offset))
                XCTAssertEqual(outcome, .counted)
            }
            read[Int(partition)] = half
        }
        try exchange()
        // Member 2 leaves after counting a little more than it published (it crashed: those
        // records are read again by the next owner from the published offset).
        for partition in 0..<partitions where owner[partition] == 2 {
            for offset in read[Int(partition)]..<read[Int(partition)] + 10 {
                members[2].apply(log[Int(partition)][offset], partition: partition, offset: Int64(offset))
            }
        }
        // Eager rebalance: the survivors give everything away, then take the new assignment.
        for index in 0..<2 {
            published += members[index].release(members[index].ownedPartitions, now: noon).map { $0.encoded() }
        }
        try exchange(publishers: 0..<2)
        for partition in 0..<partitions {
            let next = Int(partition) % 2
            let start = members[next].adopt(partition)
            XCTAssertEqual(
                start, Int64(read[Int(partition)]), "partition \(partition) continues where it was published")
            owner[partition] = next
        }
        for partition in 0..<partitions {
            for offset in read[Int(partition)]..<log[Int(partition)].count {
                let outcome = members[owner[partition, default: 0]].apply(
                    log[Int(partition)][offset], partition: partition, offset: Int64(offset))
                XCTAssertEqual(outcome, .counted)
            }
        }
        try exchange(publishers: 0..<2)
        for index in 0..<2 {
            assertSameStatistics(members[index].merged().snapshot(now: noon), whole.snapshot(now: noon))
        }
        // A record delivered again after the hand-over is recognised.
        XCTAssertEqual(members[0].apply(log[0][0], partition: 0, offset: 0), .alreadyCounted)
        XCTAssertEqual(members[1].apply(log[0][0], partition: 0, offset: 0), .notOwned)
    }

    func testRetriesAreCountedOnceAcrossPartitionsOfOneMember() {
        var view = GroupView(topic: "t", configuration: AggregatorConfiguration())
        _ = view.adopt(0)
        let event = stream(count: 1, users: 1, pages: 1)[0]
        XCTAssertEqual(view.apply(event, partition: 0, offset: 0), .counted)
        XCTAssertEqual(view.apply(event, partition: 0, offset: 1), .duplicate)
        XCTAssertEqual(view.apply(nil as EventSummary?, partition: 0, offset: 2), .invalid)
        let stats = view.merged().snapshot(now: noon)
        XCTAssertEqual(stats.totalEvents, 1)
        XCTAssertEqual(stats.duplicateEvents, 1)
        XCTAssertEqual(stats.invalidRecords, 1)
    }

    func testOwnedStatesArePublishedEncodedOnlyWhenChanged() throws {
        var view = GroupView(topic: "t", configuration: AggregatorConfiguration())
        _ = view.adopt(0)
        _ = view.adopt(1)
        XCTAssertEqual(view.partitionsToPublish(), [0, 1])  // adopted: published once
        XCTAssertEqual(view.partitionsToPublish(), [])
        let event = stream(count: 1, users: 1, pages: 1)[0]
        XCTAssertEqual(view.apply(event, partition: 1, offset: 0), .counted)
        XCTAssertEqual(view.partitionsToPublish(), [1])
        XCTAssertEqual(view.partitionsToPublish(all: true), [0, 1])

        let bytes = try XCTUnwrap(view.encodedState(of: 1, now: noon))
        let decoded = try PartialState(bytes: bytes, configuration: AggregatorConfiguration())
        XCTAssertEqual(decoded.partition, 1)
        XCTAssertEqual(decoded.nextOffset, 1)
        XCTAssertEqual(decoded.takenAt, noon)
        XCTAssertEqual(decoded.aggregator.snapshot(now: noon).totalEvents, 1)
        XCTAssertNil(view.encodedState(of: 2, now: noon))
    }

    func testAnOlderPartialNeverReplacesANewerOne() {
        var view = GroupView(topic: "t", configuration: AggregatorConfiguration())
        let newer = PartialState(topic: "t", partition: 1, nextOffset: 10, takenAt: noon, aggregator: .init())
        let older = PartialState(topic: "t", partition: 1, nextOffset: 5, takenAt: noon, aggregator: .init())
        let elsewhere = PartialState(topic: "other", partition: 1, nextOffset: 50, takenAt: noon, aggregator: .init())
        XCTAssertTrue(view.receive(newer))
        XCTAssertFalse(view.receive(older))
        XCTAssertFalse(view.receive(elsewhere))
        XCTAssertEqual(view.adopt(1), 10)
    }
}

extension GroupView {
    /// `apply` for a whole event, as the consumer counts it once decoded.
    @discardableResult
    fileprivate mutating func apply(_ event: AnalyticsEvent, partition: Int32, offset: Int64) -> Outcome {
        apply(EventSummary(event), partition: partition, offset: offset)
    }
}
