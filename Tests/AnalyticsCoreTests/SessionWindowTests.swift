import AnalyticsCore
import Foundation
import XCTest

/// Open sessions stay within the window's capacity whatever the traffic: by the event clock first,
/// then by closing the least recently seen, which is counted.
final class SessionWindowTests: XCTestCase {
    private let start = Date(timeIntervalSince1970: 1_795_000_000)

    func testAReplayClosesSessionsByTheEventClockWithinCapacity() {
        var window = SessionWindow(timeout: 60, capacity: 1_000)
        // 10,000 sessions, one starting every second, each seen again 30 s later: about 60 are
        // open at any event time, far fewer than the capacity allows, yet a replay would hold all
        // 10,000 if only the wall clock closed them.
        for index in 0..<10_000 {
            window.touch("s\(index)", at: start.addingTimeInterval(Double(index)), page: "/a")
            if index >= 30 { window.touch("s\(index - 30)", at: start.addingTimeInterval(Double(index)), page: "/b") }
        }
        XCTAssertLessThanOrEqual(window.openCount, 1_000)
        let metrics = window.metrics(now: start.addingTimeInterval(10_000))
        XCTAssertEqual(metrics.sessionsStarted, 10_000)
        XCTAssertEqual(metrics.closedEarly, 0)
        XCTAssertGreaterThan(metrics.completedSessions, 8_000)
        // Every session but the last 30 (seen once so far) lasted 30 s with two page views.
        XCTAssertEqual(metrics.averageDurationSeconds, 30 * 9_970 / 10_000, accuracy: 0.001)
        XCTAssertEqual(metrics.pagesPerSession, Double(2 * 9_970 + 30) / 10_000, accuracy: 0.0001)
    }

    func testLongSessionsAndEventsOutOfOrderKeepTheirDurationToTheMillisecond() {
        var window = SessionWindow(timeout: 30 * 60)
        // A day and a half of activity, an event every 20 minutes, at odd milliseconds: one session.
        let day = 36 * 60 * 60.0
        let times = stride(from: 0.0, through: day, by: 20 * 60).map { $0 + 0.123 }
        for time in times { window.touch("long", at: start.addingTimeInterval(time), page: "/p") }
        // Late events: one before the first (the session now starts earlier), one inside.
        window.touch("long", at: start.addingTimeInterval(-600.5), page: "/early")
        window.touch("long", at: start.addingTimeInterval(1_000))
        let metrics = window.metrics(now: start.addingTimeInterval(day + 3_600))
        XCTAssertEqual(metrics.sessionsStarted, 1)
        XCTAssertEqual(metrics.completedSessions, 1)
        XCTAssertEqual(metrics.averageDurationSeconds, day + 0.123 + 600.5, accuracy: 0.005)
        XCTAssertEqual(metrics.pagesPerSession, Double(times.count + 1))
        // The exit page is the last one by event time, not the last to arrive.
        XCTAssertEqual(metrics.exitPages, ["/p": 1])
    }

    func testExpiringSomeThenAllSessionsClosesEachOnceAndTheWindowKeepsWorking() {
        var window = SessionWindow(timeout: 60)
        window.touch("a", at: start, page: "/a")
        window.touch("b", at: start.addingTimeInterval(30), page: "/b")
        window.touch("c", at: start.addingTimeInterval(90), page: "/c")
        window.expire(now: start.addingTimeInterval(70))  // a only
        XCTAssertEqual(window.openCount, 2)
        window.expire(now: start.addingTimeInterval(1_000))  // all the rest
        XCTAssertEqual(window.openCount, 0)
        window.expire(now: start.addingTimeInterval(2_000))  // nothing left
        var metrics = window.metrics(now: start.addingTimeInterval(2_000))
        XCTAssertEqual(metrics.completedSessions, 3)
        XCTAssertEqual(metrics.exitPages, ["/a": 1, "/b": 1, "/c": 1])
        window.touch("a", at: start.addingTimeInterval(2_000), page: "/again")
        metrics = window.metrics(now: start.addingTimeInterval(2_000))
        XCTAssertEqual(metrics.sessionsStarted, 4)
        XCTAssertEqual(window.openCount, 1)
        XCTAssertEqual(window.activeCount(now: start.addingTimeInterval(2_000)), 1)
    }

    func testMoreOpenSessionsThanCapacityCloseTheLeastRecentlySeen() {
        var window = SessionWindow(timeout: 30 * 60, capacity: 1_000)
        for index in 0..<5_000 {
            window.touch("s\(index)", at: start.addingTimeInterval(Double(index) / 100), page: "/")
        }
        XCTAssertLessThanOrEqual(window.openCount, 1_000)
        XCTAssertGreaterThanOrEqual(window.openCount, 875)
        var metrics = window.metrics(now: start.addingTimeInterval(100))
        XCTAssertEqual(metrics.sessionsStarted, 5_000)
        XCTAssertEqual(metrics.closedEarly, 5_000 - window.openCount)
        XCTAssertEqual(metrics.completedSessions, metrics.closedEarly)
        // The newest sessions are the ones kept: seeing the last one again starts nothing new.
        window.touch("s4999", at: start.addingTimeInterval(60), page: "/next")
        metrics = window.metrics(now: start.addingTimeInterval(100))
        XCTAssertEqual(metrics.sessionsStarted, 5_000)
        // The oldest was closed early: seen again, it is a new session.
        window.touch("s0", at: start.addingTimeInterval(61), page: "/")
        XCTAssertEqual(window.metrics(now: start.addingTimeInterval(100)).sessionsStarted, 5_001)
    }

    func testAGroupMemberGivesEachPartitionAShareOfTheBudget() throws {
        var configuration = AggregatorConfiguration()
        configuration.sessionCapacity = 9_216
        configuration.pageCapacity = 3_000
        var view = GroupView(topic: "events", configuration: configuration)
        XCTAssertNil(view.adopt(0))
        XCTAssertEqual(view.state(of: 0)?.sites.sessionBudget, 6_144)
        XCTAssertNil(view.adopt(1))
        for partition: Int32 in 2..<6 {
            view.receive(
                PartialState(
                    topic: "events", partition: partition, nextOffset: 10, takenAt: start,
                    aggregator: AnalyticsAggregator(configuration: configuration)))
        }
        for partition: Int32 in 0..<2 {
            // 9,216 / 6 = 1,536: three quarters of 2,048 slots.
            XCTAssertEqual(view.state(of: partition)?.sites.sessionBudget, 1_536)
            XCTAssertEqual(view.state(of: partition)?.sites.pageBudget, 500)
        }
        // A partition taken over from a received state gets its share too.
        XCTAssertEqual(view.adopt(2), 10)
        XCTAssertEqual(view.state(of: 2)?.sites.sessionBudget, 1_536)
        XCTAssertEqual(view.state(of: 2)?.sites.pageBudget, 500)
    }
}

/// The selection the session window uses to find its eviction cutoff.
final class KthSmallestTests: XCTestCase {
    func testEveryRankMatchesSortingWhateverTheOrder() {
        var generator = SystemRandomNumberGenerator()
        let shapes: [[Double]] = [
            (0..<200).map { _ in Double(Int.random(in: 0..<50, using: &generator)) },  // many duplicates
            (0..<200).map(Double.init),  // sorted
            (0..<200).reversed().map(Double.init),  // reversed
            Array(repeating: 7, count: 200),  // all equal
            (0..<200).map { $0 % 2 == 0 ? Double($0) : -Double($0) },  // organ pipe
            [42],
        ]
        for values in shapes {
            let sorted = values.sorted()
            for k in values.indices {
                XCTAssertEqual(KthSmallest.of(values, k), sorted[k], "k \(k) of \(values.prefix(8))…")
            }
            XCTAssertNil(KthSmallest.of(values, values.count))
            XCTAssertNil(KthSmallest.of(values, -1))
        }
        XCTAssertNil(KthSmallest.of([], 0))
    }

    func testLargeInputsAtRandomRanks() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            let values = (0..<5_000).map { _ in Double.random(in: 0..<1_000_000, using: &generator).rounded() }
            let sorted = values.sorted()
            let k = Int.random(in: 0..<values.count, using: &generator)
            XCTAssertEqual(KthSmallest.of(values, k), sorted[k])
        }
    }
}
