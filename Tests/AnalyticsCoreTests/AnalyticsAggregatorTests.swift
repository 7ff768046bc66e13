import AnalyticsCore
import Foundation
import XCTest

final class AnalyticsAggregatorTests: XCTestCase {
    /// 2026-11-28T12:00:00Z, the injected "now" of these tests.
    let noon = Date(timeIntervalSince1970: 1_795_867_200)

    private func event(
        _ type: String, user: String? = nil, session: String? = nil, path: String? = nil, referrer: String? = nil,
        userAgent: String? = nil, at offset: TimeInterval = 0, loadTime: Double? = nil
    ) -> AnalyticsEvent {
        AnalyticsEvent(
            id: UUID().uuidString.lowercased(), type: type, userID: user, sessionID: session,
            url: path.map { "https://example.com" + $0 }, path: path, referrer: referrer, userAgent: userAgent,
            metadata: loadTime.map { ["load_time": .number($0)] },
            timestamp: RFC3339.formatWithMilliseconds(noon.addingTimeInterval(offset)))
    }

    /// The four sample events of the original project.
    private func sampleEvents() -> [AnalyticsEvent] {
        [
            event("page_view", user: "user123", session: "session456", path: "/home"),
            event("click", user: "user123", session: "session456", path: "/products"),
            event("page_view", user: "user456", session: "session789", path: "/about"),
            event("session", user: "user456", session: "session789"),
        ]
    }

    func testSampleEventsGiveTheOriginalTotals() {
        var aggregator = AnalyticsAggregator()
        sampleEvents().forEach { aggregator.apply($0) }
        let stats = aggregator.snapshot(now: noon)
        XCTAssertEqual(stats.totalEvents, 4)
        XCTAssertEqual(stats.uniqueUsers, 2)
        XCTAssertEqual(stats.activeSessions, 2)
        XCTAssertEqual(stats.eventsByType, ["page_view": 2, "click": 1, "session": 1])
        XCTAssertEqual(
            stats.topPages,
            [
                .init(url: "https://example.com/about", path: "/about", views: 1, uniqueVisitors: 1),
                .init(url: "https://example.com/home", path: "/home", views: 1, uniqueVisitors: 1),
            ])
        XCTAssertEqual(stats.lastUpdated, "2026-11-28T12:00:00Z")
    }

    func testUniqueUsersCountEachUserOnceAndAnonymousSessionsSeparately() {
        var aggregator = AnalyticsAggregator()
        for _ in 0..<3 { aggregator.apply(event("click", user: "a", session: "s1")) }
        aggregator.apply(event("click", user: "b"))
        aggregator.apply(event("click", session: "anonymous-session"))
        aggregator.apply(event("click"))
        XCTAssertEqual(aggregator.snapshot(now: noon).uniqueUsers, 3)
        XCTAssertEqual(aggregator.snapshot(now: noon).totalEvents, 6)
    }

    func testSessionsExpireThirtyMinutesAfterTheirLastEventByTheClock() {
        var aggregator = AnalyticsAggregator()
        aggregator.apply(event("page_view", user: "a", session: "s1", path: "/", at: 0))
        aggregator.apply(event("page_view", user: "b", session: "s2", path: "/", at: 600))
        XCTAssertEqual(aggregator.snapshot(now: noon.addingTimeInterval(600)).activeSessions, 2)
        // s1 was last seen at 0: inactive just after 30 minutes, even with no new events.
        XCTAssertEqual(aggregator.snapshot(now: noon.addingTimeInterval(1799)).activeSessions, 2)
        XCTAssertEqual(aggregator.snapshot(now: noon.addingTimeInterval(1801)).activeSessions, 1)
        aggregator.expireSessions(now: noon.addingTimeInterval(2401))
        XCTAssertEqual(aggregator.snapshot(now: noon.addingTimeInterval(2401)).activeSessions, 0)
        // A new event revives the session.
        aggregator.apply(event("click", user: "a", session: "s1", at: 2500))
        XCTAssertEqual(aggregator.snapshot(now: noon.addingTimeInterval(2500)).activeSessions, 1)
    }

    func testSessionMetricsBounceRateDurationPagesEntryAndExit() {
        var aggregator = AnalyticsAggregator()
        aggregator.apply(event("page_view", user: "a", session: "s1", path: "/home", at: 0))
        aggregator.apply(event("page_view", user: "a", session: "s1", path: "/about", at: 60))
        aggregator.apply(event("click", user: "a", session: "s1", at: 120))
        aggregator.apply(event("page_view", user: "b", session: "s2", path: "/home", at: 10))
        aggregator.apply(event("session", user: "c", session: "s3", at: 20))
        var metrics = aggregator.snapshot(now: noon.addingTimeInterval(200)).sessionMetrics
        XCTAssertEqual(metrics.sessionsStarted, 3)
        XCTAssertEqual(metrics.completedSessions, 0)
        XCTAssertEqual(metrics.bounceRate, 2.0 / 3.0, accuracy: 1e-9)  // s2 one page, s3 none
        XCTAssertEqual(metrics.averageDurationSeconds, 40, accuracy: 1e-9)
        XCTAssertEqual(metrics.pagesPerSession, 1, accuracy: 1e-9)
        XCTAssertEqual(metrics.entryPages, ["/home": 2])
        XCTAssertEqual(metrics.exitPages, [:])

        // Thirty minutes after the last event every session is closed, with its exit page.
        aggregator.expireSessions(now: noon.addingTimeInterval(120 + 1801))
        metrics = aggregator.snapshot(now: noon.addingTimeInterval(120 + 1801)).sessionMetrics
        XCTAssertEqual(metrics.completedSessions, 3)
        XCTAssertEqual(metrics.exitPages, ["/about": 1, "/home": 1])
        XCTAssertEqual(metrics.bounceRate, 2.0 / 3.0, accuracy: 1e-9)

        // The same session id after the timeout is a new session.
        aggregator.apply(event("page_view", user: "a", session: "s1", path: "/pricing", at: 4000))
        metrics = aggregator.snapshot(now: noon.addingTimeInterval(4000)).sessionMetrics
        XCTAssertEqual(metrics.sessionsStarted, 4)
        XCTAssertEqual(metrics.entryPages, ["/home": 2, "/pricing": 1])
    }

    func testAPageViewWithOnlyAURLCountsUnderItsPathEverywhere() {
        var aggregator = AnalyticsAggregator()
        let viewed = AnalyticsEvent(
            id: UUID().uuidString.lowercased(), type: "page_view", userID: "a", sessionID: "s1",
            url: "https://example.com/docs/start?ref=mail#top", path: nil,
            timestamp: RFC3339.formatWithMilliseconds(noon))
        aggregator.apply(viewed)
        let snapshot = aggregator.snapshot(now: noon.addingTimeInterval(60))
        XCTAssertEqual(snapshot.topPages.map(\.path), ["/docs/start"])
        XCTAssertEqual(snapshot.topPages.first?.url, "https://example.com/docs/start?ref=mail#top")
        XCTAssertEqual(snapshot.sessionMetrics.entryPages, ["/docs/start": 1])
        aggregator.expireSessions(now: noon.addingTimeInterval(1801))
        XCTAssertEqual(
            aggregator.snapshot(now: noon.addingTimeInterval(1801)).sessionMetrics.exitPages, ["/docs/start": 1])
    }

    func testCurrentVisitorsAndEventsPerMinute() {
        var aggregator = AnalyticsAggregator()
        aggregator.apply(event("page_view", user: "old", path: "/", at: -3600))  // outside both windows
        aggregator.apply(event("page_view", user: "a", path: "/", at: -600))  // 10 minutes ago
        aggregator.apply(event("click", user: "b", at: -240))  // 4 minutes ago
        aggregator.apply(event("click", user: "c", at: -30))
        aggregator.apply(event("click", user: "c", at: 0))
        let stats = aggregator.snapshot(now: noon.addingTimeInterval(10))
        XCTAssertEqual(stats.currentVisitors, 2)  // b and c
        XCTAssertEqual(
            stats.eventsPerMinute,
            [
                "2026-11-28T11:50:00Z": 1, "2026-11-28T11:56:00Z": 1, "2026-11-28T11:59:00Z": 1,
                "2026-11-28T12:00:00Z": 1,
            ])
        // At 12:03:20 b (11:56) has left the last five minutes; c (11:59, 12:00) has not.
        XCTAssertEqual(aggregator.snapshot(now: noon.addingTimeInterval(200)).currentVisitors, 1)
        XCTAssertEqual(aggregator.snapshot(now: noon.addingTimeInterval(400)).currentVisitors, 0)
    }

    func testSessionTimeoutIsConfigurable() {
        var configuration = AggregatorConfiguration()
        configuration.sessionTimeout = 60
        var aggregator = AnalyticsAggregator(configuration: configuration)
        aggregator.apply(event("click", session: "s", at: 0))
        XCTAssertEqual(aggregator.snapshot(now: noon.addingTimeInterval(59)).activeSessions, 1)
        XCTAssertEqual(aggregator.snapshot(now: noon.addingTimeInterval(61)).activeSessions, 0)
    }

    func testTopPagesAreOrderedByViewsThenPathAndLimited() {
        var configuration = AggregatorConfiguration()
        configuration.topPagesLimit = 3
        var aggregator = AnalyticsAggregator(configuration: configuration)
        let views = ["/b": 3, "/a": 3, "/c": 5, "/d": 1, "/e": 2]
        for (path, count) in views {
            for index in 0..<count { aggregator.apply(event("page_view", user: "u\(index % 2)", path: path)) }
        }
        aggregator.apply(event("click", user: "x", path: "/d"))  // clicks are not page views
        let top = aggregator.snapshot(now: noon).topPages
        XCTAssertEqual(top.map(\.path), ["/c", "/a", "/b"])
        XCTAssertEqual(top.map(\.views), [5, 3, 3])
        XCTAssertEqual(top.map(\.uniqueVisitors), [2, 2, 2])
    }

    func testTopPagesStayRightWithMorePagesThanMonitored() {
        var configuration = AggregatorConfiguration()
        configuration.pageCapacity = 50
        configuration.topPagesLimit = 3
        var aggregator = AnalyticsAggregator(configuration: configuration)
        for round in 0..<200 {
            for hot in ["/pricing", "/home", "/docs"] where round % (hot == "/docs" ? 2 : 1) == 0 {
                aggregator.apply(event("page_view", user: "u\(round % 40)", path: hot))
            }
            for cold in 0..<10 {
                aggregator.apply(event("page_view", user: "u\(round)", path: "/long-tail/\(round * 10 + cold)"))
            }
        }
        let top = aggregator.snapshot(now: noon).topPages
        XCTAssertEqual(top.map(\.path), ["/home", "/pricing", "/docs"])
        // 2,000 long-tail views over 50 monitored pages: a count is over by at most 2,300 / 50.
        XCTAssertEqual(top[0].views, 200, accuracy: 46)
        XCTAssertEqual(top[2].views, 100, accuracy: 46)
        XCTAssertEqual(top[0].uniqueVisitors, 40)
    }

    func testEventTypesAndSourcesStayBoundedWithOpenEndedNames() {
        var configuration = AggregatorConfiguration()
        configuration.keyCapacity = 10
        var aggregator = AnalyticsAggregator(configuration: configuration)
        for index in 0..<1000 {
            aggregator.apply(event("page_view", path: "/", referrer: "https://google.com/"))
            aggregator.apply(event("custom_\(index)", referrer: nil))
            aggregator.apply(event("page_view", path: "/", referrer: "https://site\(index).example/"))
        }
        let stats = aggregator.snapshot(now: noon)
        XCTAssertEqual(stats.eventsByType.count, 10)
        XCTAssertEqual(stats.eventsByType["page_view"], 2000)
        XCTAssertEqual(stats.trafficSources.count, 10)
        XCTAssertEqual(stats.trafficSources["google.com"] ?? 0, 1000, accuracy: 200)
        XCTAssertEqual(stats.totalEvents, 3000)
    }

    func testCountriesCountPageViewsAndVisitorsAndOnlyValidCodes() throws {
        var aggregator = AnalyticsAggregator()
        for (user, country) in [("a", "DE"), ("a", "DE"), ("b", "DE"), ("c", "US"), ("d", nil), ("e", "de<b>")] {
            var view = event("page_view", user: user, path: "/")
            view.country = country
            aggregator.apply(view)
        }
        var click = event("click", user: "f")
        click.country = "FR"
        aggregator.apply(click)
        let stats = aggregator.snapshot(now: noon)
        XCTAssertEqual(stats.countryStats, ["DE": 3, "US": 1, "unknown": 2], "page views only; a bad code is unknown")
        XCTAssertEqual(
            stats.topCountries,
            [
                .init(country: "DE", visitors: 2, views: 3), .init(country: "unknown", visitors: 2, views: 2),
                .init(country: "US", visitors: 1, views: 1),
            ])
        // Through a partial state and a merge, as group members exchange them.
        let state = PartialState(topic: "t", partition: 0, nextOffset: 7, takenAt: noon, aggregator: aggregator)
        var merged = AnalyticsAggregator()
        merged.merge(try PartialState(bytes: state.encoded(), configuration: AggregatorConfiguration()).aggregator)
        XCTAssertEqual(merged.snapshot(now: noon).topCountries, stats.topCountries)
    }

    func testTrafficSourcesDevicesAndBrowsers() {
        var aggregator = AnalyticsAggregator()
        let chrome =
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"
        let edge = chrome + " Edg/120.0"
        let iphone =
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
        aggregator.apply(
            event("page_view", path: "/", referrer: "https://www.google.com/search?q=x", userAgent: chrome))
        aggregator.apply(event("page_view", path: "/", referrer: "https://google.com/", userAgent: edge))
        aggregator.apply(event("page_view", path: "/", referrer: "", userAgent: iphone))
        aggregator.apply(event("page_view", path: "/", userAgent: nil))
        let stats = aggregator.snapshot(now: noon)
        XCTAssertEqual(stats.trafficSources, ["google.com": 2, "direct": 2])
        XCTAssertEqual(stats.browserStats, ["Chrome": 1, "Edge": 1, "Safari": 1, "Unknown": 1])
        XCTAssertEqual(stats.deviceStats, ["desktop": 2, "mobile": 1, "unknown": 1])
        XCTAssertEqual(stats.osStats, ["Windows": 2, "iOS": 1, "Unknown": 1])
    }

    func testHourlyPageViewsKeepTheLast24HoursByServerTimestamp() {
        var aggregator = AnalyticsAggregator()
        aggregator.apply(event("page_view", path: "/", at: -25 * 3600))
        aggregator.apply(event("page_view", path: "/", at: -3600))
        aggregator.apply(event("page_view", path: "/", at: -1800))
        aggregator.apply(event("page_view", path: "/", at: 60))
        let stats = aggregator.snapshot(now: noon.addingTimeInterval(120))
        XCTAssertEqual(stats.hourlyPageViews, ["2026-11-28T11:00:00Z": 2, "2026-11-28T12:00:00Z": 1])
    }

    func testLoadTimeAverageAndMedian() {
        var aggregator = AnalyticsAggregator()
        for value in [100.0, 300, 200, 1000] { aggregator.apply(event("page_view", path: "/", loadTime: value)) }
        aggregator.apply(event("page_view", path: "/"))
        let performance = aggregator.snapshot(now: noon).performanceMetrics
        XCTAssertEqual(performance.samples, 4)
        XCTAssertEqual(performance.averageLoadTime, 400)
        // Lower median and p95 of [100, 200, 300, 1000], within the sketch's 1%.
        XCTAssertEqual(performance.medianLoadTime, 200, accuracy: 2)
        XCTAssertEqual(performance.p95LoadTime, 300, accuracy: 3)
    }

    func testLoadTimeGivenApartFromTheMetadataCountsTheSame() {
        var fromMetadata = AnalyticsAggregator()
        var given = AnalyticsAggregator()
        for value in [100.0, 300, -5, .infinity, 1000] {
            fromMetadata.apply(event("page_view", path: "/", loadTime: value))
            given.apply(event("page_view", path: "/"), loadTime: value)
        }
        XCTAssertEqual(
            given.snapshot(now: noon).performanceMetrics, fromMetadata.snapshot(now: noon).performanceMetrics)
        XCTAssertEqual(given.snapshot(now: noon).performanceMetrics.samples, 3)
    }

    func testAnEventRetriedWithTheSameIDIsCountedOnce() {
        var aggregator = AnalyticsAggregator()
        var first = event("page_view", user: "a", session: "s", path: "/")
        first.id = "0f8fad5b-d9cb-469f-a165-70867728950e"
        XCTAssertTrue(aggregator.apply(first))
        XCTAssertFalse(aggregator.apply(first))
        let stats = aggregator.snapshot(now: noon)
        XCTAssertEqual(stats.totalEvents, 1)
        XCTAssertEqual(stats.topPages.first?.views, 1)
        XCTAssertEqual(stats.duplicateEvents, 1)
    }

    func testTheDeduplicationWindowIsBounded() {
        var configuration = AggregatorConfiguration()
        configuration.deduplicationWindow = 3
        var aggregator = AnalyticsAggregator(configuration: configuration)
        let events = (0..<5).map { _ in event("click") }
        for event in events { XCTAssertTrue(aggregator.apply(event)) }
        // The last three are remembered; the first two have left the window.
        XCTAssertFalse(aggregator.apply(events[4]))
        XCTAssertFalse(aggregator.apply(events[2]))
        XCTAssertTrue(aggregator.apply(events[0]))
        XCTAssertEqual(aggregator.snapshot(now: noon).totalEvents, 6)
    }

    func testRecentIDsForgetTheOldestFirst() {
        var ids = RecentIDs(capacity: 2)
        XCTAssertTrue(ids.insert("a"))
        XCTAssertTrue(ids.insert("b"))
        XCTAssertFalse(ids.insert("a"))
        XCTAssertTrue(ids.insert("c"))  // forgets "a"
        XCTAssertEqual(ids.count, 2)
        XCTAssertTrue(ids.insert("a"))  // forgets "b"
        XCTAssertFalse(ids.insert("c"))
        XCTAssertTrue(ids.insert("b"))
    }

    func testRecentIDsAgreeWithAPlainWindowOverManyInsertionsAndEvictions() {
        // Ids drawn from a small pool, so retries within and beyond the window both happen often,
        // and every eviction moves entries in the table: the answers must be those of a plain
        // set plus queue.
        var generator = SystemRandomNumberGenerator()
        for capacity in [1, 2, 7, 64, 1_000] {
            var ids = RecentIDs(capacity: capacity)
            var window: [String] = []
            var held: Set<String> = []
            for _ in 0..<50_000 {
                let id = "id-\(Int.random(in: 0..<(capacity * 3), using: &generator))"
                let isNew = !held.contains(id)
                XCTAssertEqual(ids.insert(id), isNew, "capacity \(capacity), id \(id)")
                guard isNew else { continue }
                window.append(id)
                held.insert(id)
                if window.count > capacity { held.remove(window.removeFirst()) }
                XCTAssertEqual(ids.count, window.count)
            }
        }
    }

    func testInvalidRecordsAreCountedSeparately() {
        var aggregator = AnalyticsAggregator()
        aggregator.recordInvalidRecord()
        aggregator.recordInvalidRecord()
        let stats = aggregator.snapshot(now: noon)
        XCTAssertEqual(stats.invalidRecords, 2)
        XCTAssertEqual(stats.totalEvents, 0)
    }
}

/// The realtime window over a replayed hour and a half: counts for the last hour, visitor
/// sketches only for the last minutes, current visitors still right.
final class RealtimeWindowTests: XCTestCase {
    private let start = Date(timeIntervalSince1970: 1_794_999_960)  // on a minute

    func testReplayKeepsVisitorSketchesOnlyForTheLastMinutes() {
        var window = RealtimeWindow()
        // 90 minutes, 300 distinct visitors a minute (past the exact limit of 256), in order.
        for minute in 0..<90 {
            for visitor in 0..<300 {
                window.add(
                    at: start.addingTimeInterval(Double(minute * 60 + visitor % 60)), visitor: "m\(minute)-\(visitor)")
            }
        }
        let now = start.addingTimeInterval(89 * 60 + 59)
        XCTAssertEqual(window.minutesWithVisitors, window.visitorSketchMinutes)
        XCTAssertEqual(window.eventsPerMinute(now: now).count, 60)
        XCTAssertEqual(Set(window.eventsPerMinute(now: now).values), [300])
        // The last five minutes: 1,500 distinct visitors, within 3 standard errors of 1.6%.
        XCTAssertEqual(Double(window.currentVisitors(now: now)), 1_500, accuracy: 1_500 * 0.05)
    }

    func testLateEventsForForgottenMinutesAreCountedButNotAsCurrentVisitors() {
        var window = RealtimeWindow()
        window.add(at: start.addingTimeInterval(3_000), visitor: "now")
        window.add(at: start.addingTimeInterval(1_200), visitor: "late")  // 30 minutes late
        let now = start.addingTimeInterval(3_000)
        XCTAssertEqual(window.minutesWithVisitors, 1)
        XCTAssertEqual(window.eventsPerMinute(now: now).count, 2)
        XCTAssertEqual(window.currentVisitors(now: now), 1)
    }

    func testEmptyWindowsMerge() {
        var empty = RealtimeWindow()
        empty.merge(RealtimeWindow())
        XCTAssertEqual(empty.currentVisitors(now: start), 0)
        var counted = RealtimeWindow()
        counted.add(at: start, visitor: "a")
        empty.merge(counted)
        counted.merge(RealtimeWindow())
        XCTAssertEqual(empty.currentVisitors(now: start), 1)
        XCTAssertEqual(counted.currentVisitors(now: start), 1)
    }

    func testAMinuteIsForgottenWhenTheSameMinuteOfTheNextHourArrives() {
        // Minutes live in one slot per minute of the hour: an hour later the slot is reused.
        var window = RealtimeWindow()
        for visitor in ["a", "b", "c"] { window.add(at: start.addingTimeInterval(10), visitor: visitor) }
        window.add(at: start.addingTimeInterval(3_610), visitor: "d")
        // A late event for the forgotten minute is an hour older than the newest: not shown anywhere.
        window.add(at: start.addingTimeInterval(20), visitor: "e")
        let now = start.addingTimeInterval(3_620)
        XCTAssertEqual(window.eventsPerMinute(now: now), [RFC3339.formatSeconds(start.addingTimeInterval(3_600)): 1])
        XCTAssertEqual(window.currentVisitors(now: now), 1)
        XCTAssertEqual(window.minutesWithVisitors, 1)

        // Merging keeps the newer of two minutes sharing a slot, and adds up the same minute.
        var older = RealtimeWindow()
        older.add(at: start.addingTimeInterval(5), visitor: "x")
        older.add(at: start.addingTimeInterval(3_605), visitor: "y")
        older.merge(window)
        XCTAssertEqual(older.eventsPerMinute(now: now), [RFC3339.formatSeconds(start.addingTimeInterval(3_600)): 2])
        XCTAssertEqual(older.currentVisitors(now: now), 2)
    }

    func testMergedWindowsForgetLikeOne() {
        var early = RealtimeWindow()
        var late = RealtimeWindow()
        early.add(at: start, visitor: "a")
        late.add(at: start.addingTimeInterval(1_800), visitor: "b")
        early.merge(late)
        XCTAssertEqual(early.minutesWithVisitors, 1)
        XCTAssertEqual(early.currentVisitors(now: start.addingTimeInterval(1_800)), 1)
        XCTAssertEqual(early.eventsPerMinute(now: start.addingTimeInterval(1_800)).count, 2)
    }
}

/// Visitors by user id, else the cookieless visitor id; bots apart; campaigns and their sources.
final class AggregatorVisitorsBotsCampaignsTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_795_852_800)
    private var sequence = 0

    private func event(
        user: String? = nil, visitor: String? = nil, session: String = "s", url: String = "https://example.com/",
        referrer: String? = nil, bot: Bool = false, type: String = "page_view"
    ) -> AnalyticsEvent {
        sequence += 1
        return AnalyticsEvent(
            id: "e\(sequence)", type: type, userID: user, sessionID: session, url: url, referrer: referrer,
            userAgent: bot ? "Mozilla/5.0 (compatible; Googlebot/2.1)" : "Mozilla/5.0 Firefox/121.0",
            timestamp: RFC3339.formatWithMilliseconds(now), visitorID: visitor, isBot: bot)
    }

    func testVisitorsAreCountedByUserIDElseVisitorID() {
        var aggregator = AnalyticsAggregator()
        aggregator.apply(event(user: "u1", visitor: nil, session: "a"))
        aggregator.apply(event(user: "u1", visitor: nil, session: "b"))
        aggregator.apply(event(visitor: "v1", session: "c"))
        aggregator.apply(event(visitor: "v1", session: "d"), receivedAt: now)
        aggregator.apply(event(visitor: "v2", session: "e"))
        XCTAssertEqual(aggregator.snapshot(now: now).uniqueUsers, 3, "u1, v1, v2: new sessions are not new visitors")
    }

    func testBotsAreCountedApartUnlessCountBots() {
        var aggregator = AnalyticsAggregator()
        aggregator.apply(event(visitor: "person", session: "p", referrer: "https://news.example/"))
        aggregator.apply(event(visitor: "crawler", session: "b1", referrer: "https://spam.example/", bot: true))
        aggregator.apply(event(visitor: "crawler", session: "b1", bot: true, type: "click"))
        let stats = aggregator.snapshot(now: now)
        XCTAssertEqual(stats.totalEvents, 3)
        XCTAssertEqual(stats.botEvents, 2)
        XCTAssertEqual(stats.uniqueUsers, 1)
        XCTAssertEqual(stats.activeSessions, 1)
        XCTAssertEqual(stats.eventsByType, ["page_view": 1])
        XCTAssertEqual(stats.topPages.map(\.views), [1])
        XCTAssertEqual(stats.trafficSources, ["news.example": 1])
        XCTAssertEqual(stats.deviceStats, ["desktop": 1])

        var configuration = AggregatorConfiguration()
        configuration.countBots = true
        var counting = AnalyticsAggregator(configuration: configuration)
        counting.apply(event(visitor: "person", session: "p"))
        counting.apply(event(visitor: "crawler", session: "b1", bot: true))
        let counted = counting.snapshot(now: now)
        XCTAssertEqual(counted.uniqueUsers, 2)
        XCTAssertEqual(counted.botEvents, 1)
        XCTAssertEqual(counted.deviceStats, ["desktop": 1, "bot": 1])
    }

    func testUTMSourceWinsOverTheReferrerAndCampaignsAreRanked() throws {
        var aggregator = AnalyticsAggregator()
        let tagged = "https://example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=winter"
        aggregator.apply(event(visitor: "a", url: tagged, referrer: "https://mail.example/"))
        aggregator.apply(event(visitor: "b", url: tagged))
        aggregator.apply(event(visitor: "b", url: tagged))
        aggregator.apply(event(visitor: "c", url: "https://example.com/p?ref=producthunt"))
        aggregator.apply(event(visitor: "d", url: "https://example.com/p?utm_campaign=launch"))
        aggregator.apply(event(visitor: "e", url: "https://example.com/", referrer: "https://www.google.com/"))
        let stats = aggregator.snapshot(now: now)
        XCTAssertEqual(
            stats.trafficSources, ["newsletter": 3, "producthunt": 1, "direct": 1, "google.com": 1])
        XCTAssertEqual(
            stats.topCampaigns,
            [
                .init(campaign: "winter", source: "newsletter", medium: "email", views: 3, uniqueVisitors: 2),
                .init(campaign: "launch", source: nil, medium: nil, views: 1, uniqueVisitors: 1),
            ])
        // And they survive the partial-state round trip and merge.
        let partial = PartialState(topic: "t", partition: 0, nextOffset: 6, takenAt: now, aggregator: aggregator)
        let decoded = try PartialState(bytes: partial.encoded(), configuration: AggregatorConfiguration())
        var merged = AnalyticsAggregator()
        merged.merge(decoded.aggregator)
        XCTAssertEqual(merged.snapshot(now: now).topCampaigns, stats.topCampaigns)
        XCTAssertEqual(merged.snapshot(now: now).botEvents, stats.botEvents)
    }
}
