import AnalyticsCore
import Foundation
import XCTest

final class StatsRendererTests: XCTestCase {
    private func stats() -> StatsSnapshot {
        StatsSnapshot(
            lastUpdated: "2026-11-28T12:00:00Z", totalEvents: 4, uniqueUsers: 2, activeSessions: 2,
            eventsByType: ["session": 1, "click": 1, "page_view": 2],
            topPages: [
                .init(url: "https://example.com/home", path: "/home", views: 1, uniqueVisitors: 1),
                .init(url: "https://example.com/about", path: "/about", views: 1, uniqueVisitors: 1),
            ],
            trafficSources: ["direct": 2], deviceStats: ["desktop": 2], browserStats: ["Chrome": 2],
            osStats: ["macOS": 1, "Windows": 1], hourlyPageViews: ["2026-11-28T12:00:00Z": 2],
            performanceMetrics: .init(samples: 2, averageLoadTime: 1234.5, medianLoadTime: 1234.5, p95LoadTime: 1500),
            invalidRecords: 0)
    }

    func testSummaryMatchesTheDocumentedFormat() {
        XCTAssertEqual(
            StatsRenderer().summary(stats()),
            """
            === Real-Time Analytics Summary ===
            Last Updated: 2026-11-28T12:00:00Z
            Total Events: 4
            Unique Users: 2
            Active Sessions: 2

            Events by Type:
              page_view: 2
              click: 1
              session: 1

            Top Pages:
              /home: 1 views (1 unique visitors)
              /about: 1 views (1 unique visitors)

            Traffic Sources:
              direct: 2

            Devices:
              desktop: 2

            Browsers:
              Chrome: 2

            Operating Systems:
              Windows: 1
              macOS: 1

            Realtime:
              Current Visitors (last 5 min): 0
              Events (last 60 min): 0

            Page Load Time:
              Average: 1234.5 ms
              Median: 1234.5 ms
              P95: 1500.0 ms
            ===================================

            """)
    }

    func testCampaignsAndBotEventsAreShownWhenThereAreSome() throws {
        var tagged = stats()
        tagged.topCampaigns = [
            .init(campaign: "winter", source: "newsletter", medium: "email", views: 3, uniqueVisitors: 2),
            .init(campaign: "launch", source: nil, medium: nil, views: 1, uniqueVisitors: 1),
        ]
        tagged.botEvents = 7
        let text = StatsRenderer().summary(tagged)
        XCTAssertTrue(
            text.contains(
                "Top Campaigns:\n  winter (newsletter / email): 3 views (2 unique visitors)\n  launch: 1 views (1 unique visitors)\n"
            ),
            text)
        XCTAssertTrue(text.contains("\nBot Events: 7\n"), text)
        XCTAssertFalse(StatsRenderer().summary(stats()).contains("Campaigns"))
        let json = String(decoding: try StatsRenderer().json(tagged), as: UTF8.self)
        XCTAssertTrue(json.contains(#""bot_events":7"#), json)
        XCTAssertTrue(
            json.contains(
                #"{"campaign":"winter","medium":"email","source":"newsletter","unique_visitors":2,"views":3}"#),
            json)
    }

    func testEmptySectionsSaySoAndInvalidRecordsAreShown() {
        var empty = stats()
        empty.eventsByType = [:]
        empty.topPages = []
        empty.performanceMetrics = .init()
        empty.invalidRecords = 3
        let text = StatsRenderer().summary(empty)
        XCTAssertTrue(text.contains("Events by Type:\n  (none yet)\n"))
        XCTAssertTrue(text.contains("Top Pages:\n  (none yet)\n"))
        XCTAssertFalse(text.contains("Page Load Time"))
        XCTAssertTrue(text.contains("Invalid Records Skipped: 3\n"))
    }

    func testSessionsSectionWhenThereAreSessions() {
        var withSessions = stats()
        withSessions.sessionMetrics = .init(
            sessionsStarted: 2, completedSessions: 0, bounceRate: 0.5, averageDurationSeconds: 42.25,
            pagesPerSession: 1.5)
        let text = StatsRenderer().summary(withSessions)
        XCTAssertTrue(
            text.contains(
                "Sessions:\n  Started: 2\n  Bounce Rate: 50.0%\n  Average Duration: 42.2 s\n  Pages per Session: 1.50\n"
            ),
            text)
    }

    func testSameFiguresIgnoresOnlyTheTimeAndTheAgeOfPartials() {
        var earlier = stats()
        earlier.partitions = .init(owned: [0], fromPartials: [1], oldestPartialAgeSeconds: 1.5)
        var later = earlier
        later.lastUpdated = "2026-11-28T12:00:09Z"
        later.partitions?.oldestPartialAgeSeconds = 10.5
        XCTAssertTrue(later.sameFigures(as: earlier))
        var changed = later
        changed.totalEvents += 1
        XCTAssertFalse(changed.sameFigures(as: earlier))
        changed = later
        changed.consumerLag = 3
        XCTAssertFalse(changed.sameFigures(as: earlier), "lag is a figure the dashboard shows")
        changed = later
        changed.partitions?.fromPartials = []
        XCTAssertFalse(changed.sameFigures(as: earlier))
        changed = later
        changed.currentVisitors = 1
        XCTAssertFalse(changed.sameFigures(as: earlier), "figures that change with time alone still count")
    }

    func testConsumerLagIsInTheJSONOnlyWhenKnown() throws {
        func object(_ snapshot: StatsSnapshot) throws -> [String: Any] {
            try JSONSerialization.jsonObject(with: Data(try StatsRenderer().json(snapshot))) as? [String: Any] ?? [:]
        }
        var snapshot = stats()
        XCTAssertNil(try object(snapshot)["consumer_lag"])
        snapshot.consumerLag = 12
        XCTAssertEqual(try object(snapshot)["consumer_lag"] as? Int, 12)
    }

    func testJSONUsesTheOriginalFieldNames() throws {
        let json = try XCTUnwrap(
            JSONSerialization.jsonObject(with: Data(try StatsRenderer().json(stats()))) as? [String: Any])
        for key in [
            "total_events", "unique_users", "active_sessions", "events_by_type", "top_pages", "traffic_sources",
            "device_stats", "browser_stats", "os_stats", "hourly_page_views", "performance_metrics", "last_updated",
        ] {
            XCTAssertNotNil(json[key], key)
        }
        let page = try XCTUnwrap((json["top_pages"] as? [[String: Any]])?.first)
        XCTAssertEqual(Set(page.keys), ["url", "path", "views", "unique_visitors"])
    }
}
