import AnalyticsCore
import Foundation
import XCTest

/// One deployment, many sites: each site's view holds exactly its events, the totals hold every
/// event, views beyond `maxSites` are never made, and partial states carry every site.
final class SiteViewsTests: XCTestCase {
    let noon = Date(timeIntervalSince1970: 1_795_867_200)

    private func event(_ index: Int, site: String?, type: String = "page_view", user: Int? = nil) -> EventSummary {
        EventSummary(
            AnalyticsEvent(
                id: "00000000-0000-4000-8000-\(String(format: "%012d", index))", type: type,
                userID: "user-\(user ?? index)", sessionID: "session-\(user ?? index)",
                url: "https://\(site ?? "example.org")/page-\(index % 3)", path: "/page-\(index % 3)",
                timestamp: RFC3339.formatWithMilliseconds(noon.addingTimeInterval(-60 + Double(index % 60))),
                site: site),
            receivedAt: noon.addingTimeInterval(-60 + Double(index % 60)))
    }

    private func configuration(maxSites: Int) -> AggregatorConfiguration {
        var configuration = AggregatorConfiguration()
        configuration.maxSites = maxSites
        configuration.deduplicationWindow = 0
        return configuration
    }

    func testEachSiteCountsItsOwnEventsAndTheTotalCountsThemAll() throws {
        var views = SiteViews(configuration: configuration(maxSites: 10))
        let plan = ["a.example": 30, "b.example": 12, "c.example": 5]
        var index = 0
        for (site, count) in plan.sorted(by: { $0.key < $1.key }) {
            for _ in 0..<count {
                XCTAssertTrue(views.apply(event(index, site: site)))
                index += 1
            }
        }
        views.recordInvalidRecord()
        views.recordDuplicate()
        XCTAssertEqual(Set(views.sites), Set(plan.keys))
        for (site, count) in plan {
            let snapshot = try XCTUnwrap(views.view(of: site)).snapshot(now: noon)
            XCTAssertEqual(snapshot.totalEvents, count, site)
            XCTAssertEqual(snapshot.uniqueUsers, count, site)
            XCTAssertEqual(snapshot.invalidRecords, 0, "invalid records belong to no site")
        }
        let total = views.total.snapshot(now: noon)
        XCTAssertEqual(total.totalEvents, 47)
        XCTAssertEqual(total.uniqueUsers, 47)
        XCTAssertEqual(total.invalidRecords, 1)
        XCTAssertEqual(total.duplicateEvents, 1)
        XCTAssertEqual(views.overCapacityEvents, 0)
        XCTAssertNil(views.view(of: "d.example"))
    }

    func testSitesBeyondMaxSitesCountOnlyInTheTotalsAndNeverGetAView() {
        var views = SiteViews(configuration: configuration(maxSites: 2))
        XCTAssertTrue(views.apply(event(0, site: "a.example")))
        XCTAssertTrue(views.apply(event(1, site: "b.example")))
        for index in 2..<12 { XCTAssertFalse(views.apply(event(index, site: "site-\(index).example"))) }
        XCTAssertTrue(views.apply(event(12, site: "a.example")), "a site with a view keeps counting")
        XCTAssertEqual(Set(views.sites), ["a.example", "b.example"])
        XCTAssertEqual(views.overCapacityEvents, 10)
        XCTAssertEqual(views.total.snapshot(now: noon).totalEvents, 13)
        XCTAssertEqual(views.view(of: "a.example")?.totalEvents, 2)
    }

    func testRecordsWithoutASiteOrWithOneNoViewCanShowCountAsTheDefaultSite() {
        var views = SiteViews(configuration: configuration(maxSites: 10))
        views.apply(event(0, site: nil))
        views.apply(event(1, site: "with space.example"))
        views.apply(event(2, site: String(repeating: "a", count: 254)))
        views.apply(event(3, site: "caf\u{E9}.example"))
        XCTAssertEqual(Array(views.sites), [SiteViews.fallbackSite])
        XCTAssertEqual(views.view(of: SiteViews.fallbackSite)?.totalEvents, 4)
    }

    func testAPartialStateCarriesEverySiteAndAGroupViewMergesThemAcrossPartitions() throws {
        var view = GroupView(topic: "t", configuration: configuration(maxSites: 10))
        _ = view.adopt(0, now: noon)
        _ = view.adopt(1, now: noon)
        for index in 0..<40 {
            let site = index % 4 == 0 ? "b.example" : "a.example"
            XCTAssertEqual(
                view.apply(event(index, site: site), partition: Int32(index % 2), offset: Int64(index / 2)), .counted)
        }
        XCTAssertEqual(view.sites, ["a.example", "b.example"])
        XCTAssertEqual(view.merged(site: "a.example")?.snapshot(now: noon).totalEvents, 30)
        XCTAssertEqual(view.merged(site: "b.example")?.snapshot(now: noon).totalEvents, 10)
        XCTAssertNil(view.merged(site: "c.example"))
        XCTAssertTrue(view.hasSite("b.example"))
        XCTAssertFalse(view.hasSite("c.example"))

        // A second member receives both partitions' states and shows each site whole.
        var other = GroupView(topic: "t", configuration: configuration(maxSites: 10))
        for partition: Int32 in [0, 1] {
            let bytes = try XCTUnwrap(view.encodedState(of: partition, now: noon))
            XCTAssertTrue(other.receive(try PartialState(bytes: bytes, configuration: configuration(maxSites: 10))))
        }
        XCTAssertEqual(other.sites, ["a.example", "b.example"])
        for site in ["a.example", "b.example"] {
            let mine = try XCTUnwrap(view.merged(site: site)).snapshot(now: noon)
            let theirs = try XCTUnwrap(other.merged(site: site)).snapshot(now: noon)
            XCTAssertEqual(mine.totalEvents, theirs.totalEvents, site)
            XCTAssertEqual(mine.uniqueUsers, theirs.uniqueUsers, site)
            XCTAssertEqual(mine.topPages, theirs.topPages, site)
            XCTAssertEqual(mine.eventsPerMinute, theirs.eventsPerMinute, site)
        }
        XCTAssertEqual(other.merged().snapshot(now: noon).totalEvents, 40)

        // A member allowing fewer sites folds the rest into its totals, counted as over capacity.
        var smaller = GroupView(topic: "t", configuration: configuration(maxSites: 1))
        let bytes = try XCTUnwrap(view.encodedState(of: 0, now: noon))
        smaller.receive(try PartialState(bytes: bytes, configuration: configuration(maxSites: 1)))
        XCTAssertEqual(smaller.sites, ["a.example"])
        XCTAssertEqual(smaller.overCapacityEvents, 10)
        XCTAssertEqual(smaller.merged().snapshot(now: noon).totalEvents, 20)
    }

    func testTheGroupViewSaysWhichEventsWentBeyondTheSites() {
        var view = GroupView(topic: "t", configuration: configuration(maxSites: 1))
        _ = view.adopt(0, now: noon)
        XCTAssertEqual(view.apply(event(0, site: "a.example"), partition: 0, offset: 0), .counted)
        XCTAssertEqual(view.apply(event(1, site: "b.example"), partition: 0, offset: 1), .countedBeyondSites)
        XCTAssertEqual(view.overCapacityEvents, 1)
        XCTAssertEqual(view.merged().snapshot(now: noon).totalEvents, 2)
    }

    /// Every partition admits the same sites: the first MAX_SITES sites seen anywhere, so a site
    /// shown is shown whole and one refused is refused everywhere (with 1,000 sites over 160
    /// partitions, partitions admitting 100 sites each by their own arrival order showed all
    /// 1,000 sites, each in pieces).
    func testEveryPartitionAdmitsTheSameSites() throws {
        var view = GroupView(topic: "t", configuration: configuration(maxSites: 2))
        for partition: Int32 in 0..<3 { _ = view.adopt(partition, now: noon) }
        var offsets: [Int32: Int64] = [:]
        func send(_ index: Int, _ site: String, to partition: Int32) -> GroupView.Outcome {
            defer { offsets[partition, default: 0] += 1 }
            return view.apply(event(index, site: site), partition: partition, offset: offsets[partition, default: 0])
        }
        XCTAssertEqual(send(0, "a.example", to: 0), .counted)
        XCTAssertEqual(send(1, "b.example", to: 1), .counted)
        XCTAssertEqual(send(2, "c.example", to: 2), .countedBeyondSites, "two sites are shown already")
        XCTAssertEqual(send(3, "b.example", to: 2), .counted, "b is shown, so every partition counts it")
        XCTAssertEqual(send(4, "a.example", to: 1), .counted)
        XCTAssertEqual(send(5, "c.example", to: 0), .countedBeyondSites)
        XCTAssertEqual(view.sites, ["a.example", "b.example"])
        XCTAssertEqual(view.merged(site: "b.example")?.totalEvents, 2)
        XCTAssertEqual(view.overCapacityEvents, 2)
        XCTAssertEqual(view.siteViewCount, 4)

        // A member receiving these partitions shows the same sites, and admits no other.
        var other = GroupView(topic: "t", configuration: configuration(maxSites: 2))
        for partition: Int32 in 0..<3 {
            let bytes = try XCTUnwrap(view.encodedState(of: partition, now: noon))
            other.receive(try PartialState(bytes: bytes, configuration: configuration(maxSites: 2)))
        }
        _ = other.adopt(3, now: noon)
        XCTAssertEqual(other.apply(event(6, site: "d.example"), partition: 3, offset: 0), .countedBeyondSites)
        XCTAssertEqual(other.apply(event(7, site: "a.example"), partition: 3, offset: 1), .counted)
    }

    func testBudgetsAreSharedByTrafficWithAFloorPerSite() {
        var views = SiteViews(configuration: configuration(maxSites: 10))
        views.setBudgets(sessions: 30_000, pages: 1_000)
        for index in 0..<90 { views.apply(event(index, site: "big.example")) }
        for index in 90..<100 { views.apply(event(index, site: "small.example")) }
        views.expireSessions(now: noon)
        let big = views.sessionCapacity(of: "big.example") ?? 0
        let small = views.sessionCapacity(of: "small.example") ?? 0
        XCTAssertGreaterThan(big, small)
        XCTAssertLessThanOrEqual(big + small, 30_000 * 5 / 4)
        XCTAssertGreaterThanOrEqual(
            small, 30_000 / 3 / 4 / 2, "a quarter of an equal share (sites and remainder), as a hash table fills")

        // A new site starts with an equal share, not a floor: it counts exactly from the start.
        views.apply(event(100, site: "new.example"))
        XCTAssertGreaterThanOrEqual(views.sessionCapacity(of: "new.example") ?? 0, 30_000 / 3 / 2)
    }

    func testSiteSummariesRankByVisitorsThenPageViewsThenName() {
        var views = SiteViews(configuration: configuration(maxSites: 10))
        for index in 0..<5 { views.apply(event(index, site: "b.example")) }
        for index in 5..<10 { views.apply(event(index, site: "a.example")) }
        for index in 10..<12 { views.apply(event(index, site: "c.example", user: 99)) }
        let rows = views.sites.compactMap { site in
            views.view(of: site).map { SiteSummary(site: site, snapshot: $0.snapshot(now: noon)) }
        }.sorted(by: SiteSummary.ranksAbove)
        XCTAssertEqual(rows.map(\.site), ["a.example", "b.example", "c.example"])
        XCTAssertEqual(rows.map(\.visitors), [5, 5, 1])
        XCTAssertEqual(rows.map(\.pageviews), [5, 5, 2])
        XCTAssertEqual(rows.last?.eventsPerMinute.values.reduce(0, +), 2)
    }
}

extension SiteViewsTests {
    /// The original project's sample: a `session` event with no url (so no site) belongs to the
    /// session its page views opened on example.com, not to a second session on another site.
    func testAnEventNamingNoSiteJoinsTheSiteOfItsSession() {
        var views = SiteViews(configuration: configuration(maxSites: 10))
        let pageView = EventSummary(
            AnalyticsEvent(
                id: "00000000-0000-4000-8000-000000000001", type: "page_view", userID: "user456",
                sessionID: "session789", url: "https://example.com/about", timestamp: "2026-11-28T11:59:00.000Z",
                site: "example.com"),
            receivedAt: noon.addingTimeInterval(-60))
        let session = EventSummary(
            AnalyticsEvent(
                id: "00000000-0000-4000-8000-000000000002", type: "session", userID: "user456",
                sessionID: "session789", timestamp: "2026-11-28T11:59:30.000Z", site: SiteViews.fallbackSite),
            receivedAt: noon.addingTimeInterval(-30))
        let elsewhere = EventSummary(
            AnalyticsEvent(
                id: "00000000-0000-4000-8000-000000000003", type: "signup", userID: "user9",
                sessionID: "other-session", timestamp: "2026-11-28T11:59:30.000Z", site: SiteViews.fallbackSite),
            receivedAt: noon.addingTimeInterval(-30))
        views.apply(pageView)
        views.apply(session)
        views.apply(elsewhere)
        XCTAssertEqual(views.view(of: "example.com")?.totalEvents, 2)
        XCTAssertEqual(views.view(of: SiteViews.fallbackSite)?.totalEvents, 1, "a session of its own stays apart")
        let total = views.total.snapshot(now: noon)
        XCTAssertEqual(total.activeSessions, 2)
        XCTAssertEqual(total.sessionMetrics.sessionsStarted, 2)
    }

    /// Sites with a token of their own always get a view: a flood of made-up sites that fills
    /// MAX_SITES cannot keep them out.
    func testReservedSitesAreAdmittedBeyondMaxSites() {
        var configuration = configuration(maxSites: 1)
        configuration.reservedSites = ["owner.example"]
        var view = GroupView(topic: "t", configuration: configuration)
        _ = view.adopt(0, now: noon)
        XCTAssertEqual(view.apply(event(0, site: "made-up.example"), partition: 0, offset: 0), .counted)
        XCTAssertEqual(view.apply(event(1, site: "other.example"), partition: 0, offset: 1), .countedBeyondSites)
        XCTAssertEqual(view.apply(event(2, site: "owner.example"), partition: 0, offset: 2), .counted)
        XCTAssertEqual(view.sites, ["made-up.example", "owner.example"])
    }

    /// The producers' DEFAULT_SITE, when it is not `default`, is the site whose url-less events
    /// join their session's site.
    func testAConfiguredDefaultSiteIsTheOneWhoseEventsJoinTheirSession() {
        var configuration = configuration(maxSites: 10)
        configuration.defaultSite = "fallback.example"
        var views = SiteViews(configuration: configuration)
        views.apply(event(0, site: "shop.example", user: 7))
        views.apply(
            EventSummary(
                AnalyticsEvent(
                    id: "00000000-0000-4000-8000-000000000099", type: "signup", userID: "user-7",
                    sessionID: "session-7", timestamp: "2026-11-28T11:59:30.000Z", site: "fallback.example"),
                receivedAt: noon.addingTimeInterval(-30)))
        XCTAssertEqual(views.view(of: "shop.example")?.totalEvents, 2)
        XCTAssertNil(views.view(of: "fallback.example"))
    }
}
