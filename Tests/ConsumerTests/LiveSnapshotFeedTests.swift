import AnalyticsCore
import Foundation
import HTTPServer
import Logging
import ServiceRuntime
import Synchronization
import TestSupport
import XCTest

@testable import consumer

/// The dashboard stream as a client reads it, byte for byte, from the consumer's own routes on a
/// real server, with figures the test sets.
final class LiveSnapshotFeedTests: XCTestCase {
    private var harness: FeedHarness!

    override func tearDown() {
        harness?.stop()
        harness = nil
    }

    func testFirstMessageIsTheCurrentSnapshotWithAReconnectionDelay() throws {
        harness = try FeedHarness()
        harness.set(totalEvents: 42)
        let client = try harness.openStream()
        let first = try client.nextMessage()
        XCTAssertEqual(first.retry, 2000)
        XCTAssertNil(first.event)
        XCTAssertEqual(first.json["total_events"] as? Int, 42)
        XCTAssertNotNil(first.json["events_by_type"], "the /analytics shape")
    }

    func testNewFiguresArriveButNeverTwoSnapshotsWithinTheRefreshInterval() throws {
        harness = try FeedHarness(refresh: .milliseconds(300))
        let client = try harness.openStream()
        _ = try client.nextMessage()
        // The figures change every 20 ms for 1.5 s.
        harness.countUp(to: 75, every: 0.02)
        var arrivals: [(ContinuousClock.Instant, Int)] = []
        while arrivals.last?.1 != 75 {
            let message = try client.nextMessage()
            if message.event == nil, let total = message.json["total_events"] as? Int {
                arrivals.append((ContinuousClock.now, total))
            }
        }
        XCTAssertGreaterThanOrEqual(arrivals.count, 3, "the figures were sent as they changed")
        for (earlier, later) in zip(arrivals, arrivals.dropFirst()) {
            XCTAssertGreaterThanOrEqual(later.0 - earlier.0, .milliseconds(250), "\(earlier.1) then \(later.1)")
            XCTAssertGreaterThan(later.1, earlier.1)
        }
    }

    func testQuietIntervalsSendUnchangedEventsAndHeartbeatComments() throws {
        harness = try FeedHarness(refresh: .milliseconds(200), heartbeat: .milliseconds(600))
        let client = try harness.openStream()
        _ = try client.nextMessage()
        var unchanged = 0
        var heartbeats = 0
        let deadline = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < deadline {
            let message = try client.nextMessage()
            if message.event == "unchanged" {
                unchanged += 1
                XCTAssertNotNil(message.json["last_updated"] as? String)
            } else if message.comment == "heartbeat" {
                heartbeats += 1
            } else {
                XCTFail("a snapshot was sent although nothing changed: \(message)")
            }
        }
        XCTAssertGreaterThanOrEqual(unchanged, 4)
        XCTAssertGreaterThanOrEqual(heartbeats, 2)
    }

    func testBeyondMaxStreamsTheNextIsRefused503WithRetryAfterUntilOneCloses() throws {
        harness = try FeedHarness(maxStreams: 2)
        let first = try harness.openStream()
        let second = try harness.openStream()
        _ = try first.nextMessage()
        _ = try second.nextMessage()
        let refused = try RawHTTPClient(port: harness.port).request("GET", "/analytics/stream")
        XCTAssertEqual(refused.status, 503)
        XCTAssertEqual(refused.header("Retry-After"), "5")
        XCTAssertTrue((refused.json["error"] as? String)?.contains("MAX_STREAMS") == true, refused.text)
        first.close()
        XCTAssertTrue(
            Wait.until(timeout: 5) { self.harness.feed.openStreams == 1 }, "a closed stream gives its place back")
        let third = try harness.openStream()
        XCTAssertEqual(try third.nextMessage().json["total_events"] as? Int, 0)
        XCTAssertEqual(harness.feed.openStreams, 2)
    }

    func testReaderThatStopsReadingIsDroppedAndItsPlaceGivenBack() throws {
        harness = try FeedHarness(refresh: .milliseconds(100), maxStreams: 1)
        // Large, ever-changing snapshots: ~200 KB ten times a second.
        harness.setLargePages(count: 1000)
        let stalled = try RawHTTPClient(port: harness.port, timeout: 5)
        stalled.setReceiveBuffer(4096)
        try stalled.send("GET /analytics/stream HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertTrue(Wait.until(timeout: 5) { self.harness.feed.openStreams == 1 })
        harness.countUp(to: 60, every: 0.05)
        XCTAssertTrue(
            Wait.until(timeout: 10) { self.harness.feed.openStreams == 0 }, "the stalled reader kept its stream")
        XCTAssertTrue(Wait.until(timeout: 5) { self.harness.server.openConnections == 0 })
        // Its place is free again for a reader that reads.
        XCTAssertNotNil(try harness.openStream().nextMessage().json["total_events"])
    }

    /// Issue 29: every `GET /analytics` merged the whole group view on the stats server's loop.
    /// Polled in a tight loop while the figures change every 5 ms, the feed computes at most one
    /// snapshot per refresh interval, and every answer is at most that old.
    func testAnalyticsPolledInATightLoopIsComputedAtMostOncePerRefreshInterval() throws {
        harness = try FeedHarness(refresh: .milliseconds(250))
        harness.countUp(to: 300, every: 0.005)
        let client = try RawHTTPClient(port: harness.port)
        let started = ContinuousClock.now
        var answers = 0
        var last = 0
        while ContinuousClock.now - started < .milliseconds(1500) {
            let response = try client.request("GET", "/analytics")
            XCTAssertEqual(response.status, 200, response.text)
            XCTAssertEqual(response.header("Cache-Control"), "no-store")
            let total = try XCTUnwrap(response.json["total_events"] as? Int)
            XCTAssertGreaterThanOrEqual(total, last, "an answer went back in time")
            last = total
            answers += 1
        }
        let computed = harness.computations
        XCTAssertGreaterThan(answers, 100, "the loop was tight")
        XCTAssertLessThanOrEqual(computed, 1500 / 250 + 2, "\(computed) snapshots for \(answers) requests")
        XCTAssertGreaterThanOrEqual(computed, 3, "the answers followed the figures")
    }

    func testAnalyticsAnswersTheNewFiguresWithinARefreshInterval() throws {
        harness = try FeedHarness(refresh: .milliseconds(200))
        let client = try RawHTTPClient(port: harness.port)
        XCTAssertEqual(try client.request("GET", "/analytics").json["total_events"] as? Int, 0)
        harness.set(totalEvents: 7)
        Thread.sleep(forTimeInterval: 0.25)
        XCTAssertEqual(try client.request("GET", "/analytics").json["total_events"] as? Int, 7)
    }

    /// Issue 29: a snapshot the encoder refused was served as `200 {}` without a word. It is a
    /// `500` that says what could not be written, logged and counted.
    func testASnapshotThatCannotBeEncodedIsA500ThatSaysSoAndIsCounted() throws {
        harness = try FeedHarness()
        harness.poison()
        let response = try RawHTTPClient(port: harness.port).request("GET", "/analytics")
        XCTAssertEqual(response.status, 500, response.text)
        let error = try XCTUnwrap(response.json["error"] as? String)
        XCTAssertTrue(error.contains("performance_metrics.avg_load_time_ms"), error)
        XCTAssertGreaterThanOrEqual(harness.encodingFailures, 1)
    }

    func testStopEndsEveryStreamAndClosesItsConnection() throws {
        harness = try FeedHarness()
        let clients = try (0..<3).map { _ in try harness.openStream() }
        for client in clients { _ = try client.nextMessage() }
        let started = ContinuousClock.now
        harness.feed.stop()
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(2), "stop waited on its streams")
        for client in clients {
            XCTAssertTrue(try client.readToEnd(), "the stream ended with its last chunk and the connection closed")
        }
        let refused = try RawHTTPClient(port: harness.port).request("GET", "/analytics/stream")
        XCTAssertEqual(refused.status, 503, "no new streams once stopped")
    }
}

/// The consumer's dashboard routes on a real server, fed figures the test sets.
private final class FeedHarness: @unchecked Sendable {
    // @unchecked: the figures are behind a Mutex; the rest is set once in init.
    static let metrics = ServiceMetrics()
    let server: HTTPServer
    let feed: LiveSnapshotFeed
    private let figures = Figures()

    /// What the feed reads: the snapshot, and a count of its changes.
    private final class Figures: Sendable {
        let snapshot = Mutex(StatsSnapshot.empty)
        let changes = Atomic<UInt64>(0)
        let computations = Atomic<Int>(0)
        let encodingFailures = Atomic<Int>(0)
    }

    /// Snapshots the feed computed.
    var computations: Int { figures.computations.load(ordering: .relaxed) }
    /// Snapshots the feed could not encode.
    var encodingFailures: Int { figures.encodingFailures.load(ordering: .relaxed) }

    var port: Int { server.port }

    init(refresh: Duration = .milliseconds(200), heartbeat: Duration = .seconds(15), maxStreams: Int = 8) throws {
        var settings = LiveSnapshotFeed.Settings(refresh: refresh, maxStreams: maxStreams)
        settings.heartbeat = heartbeat
        let figures = self.figures
        feed = LiveSnapshotFeed(
            settings: settings, logger: Logger(label: "test"),
            changeCount: { figures.changes.load(ordering: .acquiring) },
            encodingFailed: { figures.encodingFailures.add(1, ordering: .relaxed) },
            snapshot: {
                figures.computations.add(1, ordering: .relaxed)
                var snapshot = figures.snapshot.withLock { $0 }
                snapshot.lastUpdated = RFC3339.formatSeconds(Date())
                return snapshot
            })
        var router = Router()
        DashboardRoutes(
            assets: DashboardAssets(refreshMilliseconds: 200), feed: feed,
            access: StatsAccess(statsToken: nil, metricsToken: nil), metrics: Self.metrics,
            knowsSite: { _ in false }
        ).install(on: &router)
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.eventLoopCount = 1
        server = try HTTPServer(configuration: configuration, responder: router, logger: Logger(label: "test"))
        feed.start()
    }

    func set(totalEvents: Int) {
        figures.snapshot.withLock { $0.totalEvents = totalEvents }
        figures.changes.add(1, ordering: .releasing)
    }

    /// Sets the total to 1, 2, … `last`, one step every `interval` seconds, on a thread of its own.
    func countUp(to last: Int, every interval: TimeInterval) {
        Thread.detachNewThread { [self] in
            for total in 1...last {
                set(totalEvents: total)
                Thread.sleep(forTimeInterval: interval)
            }
        }
    }

    /// A figure that cannot be written as JSON.
    func poison() {
        figures.snapshot.withLock { $0.performanceMetrics.averageLoadTime = .nan }
        figures.changes.add(1, ordering: .releasing)
    }

    func setLargePages(count: Int) {
        figures.snapshot.withLock { snapshot in
            snapshot.topPages = (0..<count).map { index in
                let path = "/articles/\(index)/" + String(repeating: "x", count: 80)
                return StatsSnapshot.PageStats(
                    url: "https://site.example" + path, path: path, views: 1, uniqueVisitors: 1)
            }
        }
        figures.changes.add(1, ordering: .releasing)
    }

    func openStream() throws -> StreamClient {
        let client = try RawHTTPClient(port: port, timeout: 5)
        try client.send("GET /analytics/stream HTTP/1.1\r\nHost: a\r\n\r\n")
        let head = try client.readHead()
        guard head.status == 200, head.header("Content-Type")?.hasPrefix("text/event-stream") == true else {
            throw RawHTTPClientError.malformed("not a stream: \(head)")
        }
        return StreamClient(client)
    }

    func stop() {
        feed.stop()
        server.shutdown(timeout: .seconds(1))
    }
}

extension StatsSnapshot {
    fileprivate static let empty = StatsSnapshot(
        lastUpdated: "", totalEvents: 0, uniqueUsers: 0, activeSessions: 0, eventsByType: [:], topPages: [],
        trafficSources: [:], deviceStats: [:], browserStats: [:], hourlyPageViews: [:],
        performanceMetrics: StatsSnapshot.PerformanceMetrics(), invalidRecords: 0)
}
