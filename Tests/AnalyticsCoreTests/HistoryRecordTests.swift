import Foundation
import XCTest

@testable import AnalyticsCore

/// The row the history stores for an event reads the event as the live view does.
final class HistoryRecordTests: XCTestCase {
    private let receivedAt = Date(timeIntervalSince1970: 1_800_000_000.75)

    private func row(_ event: AnalyticsEvent) -> HistoryRecord {
        var builder = HistoryRecord.Builder(defaultSite: "default")
        return builder.record(event, receivedAt: receivedAt)
    }

    private func event(
        type: String = "page_view", userID: String? = nil, sessionID: String? = nil, url: String? = nil,
        path: String? = nil, referrer: String? = nil, userAgent: String? = nil, metadata: [String: JSONValue]? = nil,
        visitorID: String? = nil, isBot: Bool = false, site: String? = nil, country: String? = nil
    ) -> AnalyticsEvent {
        AnalyticsEvent(
            id: "0f8fad5b-d9cb-469f-a165-70867728950e", type: type, userID: userID, sessionID: sessionID, url: url,
            path: path, referrer: referrer, userAgent: userAgent, metadata: metadata,
            timestamp: "2027-01-15T08:00:00.750Z", visitorID: visitorID, isBot: isBot, site: site, country: country)
    }

    func testAPageViewCarriesItsSiteTimePathHostSourceCampaignAndAgent() {
        let record = row(
            event(
                sessionID: "s-1",
                url: "https://Shop.Example/p/1?utm_source=newsletter&utm_medium=email&utm_campaign=spring",
                referrer: "https://www.News.example/a?q=1",
                userAgent: "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Firefox/120.0", site: "shop.example",
                country: "DE"))
        XCTAssertEqual(record.site, "shop.example")
        XCTAssertEqual(record.timestamp, 1_800_000_000, "whole seconds, rounded down")
        XCTAssertEqual(record.type, "page_view")
        XCTAssertEqual(record.path, "/p/1")
        XCTAssertEqual(record.hostname, "shop.example")
        XCTAssertEqual(record.referrer, "https://www.News.example/a?q=1")
        XCTAssertEqual(record.source, "newsletter", "the campaign's source before the referrer's")
        XCTAssertEqual(record.utmSource, "newsletter")
        XCTAssertEqual(record.utmMedium, "email")
        XCTAssertEqual(record.utmCampaign, "spring")
        XCTAssertEqual(record.country, "DE")
        XCTAssertEqual(record.browser, "Firefox")
        XCTAssertEqual(record.operatingSystem, "Windows")
        XCTAssertEqual(record.device, "desktop")
        XCTAssertFalse(record.isBot)
    }

    func testWithoutACampaignTheSourceIsTheReferrersHostOrDirect() {
        XCTAssertEqual(row(event(referrer: "https://www.News.example/a")).source, "news.example")
        XCTAssertEqual(row(event()).source, TrafficSource.direct)
        XCTAssertEqual(row(event()).utmSource, "")
    }

    func testTheVisitorIsTheUserElseTheVisitorIdElseTheSessionAsLive() {
        let user = row(event(userID: "u-1", sessionID: "s-1", visitorID: "v-1"))
        XCTAssertEqual(user.visitor, HyperLogLog.hash("u-1", prefixedBy: "u:"))
        XCTAssertEqual(
            row(event(sessionID: "s-1", visitorID: "v-1")).visitor, HyperLogLog.hash("v-1", prefixedBy: "v:"))
        XCTAssertEqual(row(event(sessionID: "s-1")).visitor, HyperLogLog.hash("s-1", prefixedBy: "s:"))
        XCTAssertEqual(user.session, HyperLogLog.hash("s-1", prefixedBy: "s:"))
        XCTAssertEqual(row(event()).visitor, 0, "no visitor named")
        XCTAssertEqual(row(event(userID: "u-1", sessionID: "")).session, 0, "a visitor without a session")
        // Neither: a visit of its own, keyed by the event's id.
        XCTAssertEqual(
            row(event(sessionID: "")).session,
            HyperLogLog.hash("0f8fad5b-d9cb-469f-a165-70867728950e", prefixedBy: "e:"))
        XCTAssertEqual(row(event()).session, HyperLogLog.hash("0f8fad5b-d9cb-469f-a165-70867728950e", prefixedBy: "e:"))
    }

    func testAnEventWithoutSiteIsTheDefaultSitesAndAPageViewWithoutPathIsTheRoot() {
        let record = row(event())
        XCTAssertEqual(record.site, "default")
        XCTAssertEqual(record.path, "/")
        XCTAssertEqual(row(event(type: "click")).path, "", "only a page view has a page by default")
        XCTAssertEqual(row(event(url: "https://shop.example/a", path: "/given")).path, "/given")
    }

    func testLoadTimeIsKeptOnlyWhenItIsANumberInRange() {
        XCTAssertEqual(row(event(metadata: ["load_time": .number(1234.5)])).loadTimeMilliseconds, 1234.5)
        XCTAssertNil(row(event(metadata: ["load_time": .number(-1)])).loadTimeMilliseconds)
        XCTAssertNil(row(event(metadata: ["load_time": .number(1e300)])).loadTimeMilliseconds)
        XCTAssertNil(row(event(metadata: ["load_time": .string("fast")])).loadTimeMilliseconds)
        XCTAssertNil(row(event()).loadTimeMilliseconds)
    }

    func testBotsAndUnknownCountriesAreMarkedAsSuch() {
        XCTAssertTrue(row(event(isBot: true)).isBot)
        XCTAssertEqual(row(event(country: "not a country")).country, "")
        XCTAssertEqual(row(event(country: nil)).country, "")
    }
}
