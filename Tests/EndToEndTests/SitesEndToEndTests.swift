import Foundation
import TestSupport
import XCTest

/// One deployment, many websites, through the real binaries: the producer names each event's site
/// (its `site`, its `url`'s host, its `Origin`) and refuses sites outside `SITES`; the consumer
/// shows each site apart and all together, lets a site's token see only its site, and keeps no
/// view for sites beyond `MAX_SITES` while still counting their events in the totals.
final class SitesEndToEndTests: PipelineTestCase {
    private let statsToken = "stats-token-0123456789abcdef"
    private let shopToken = "shop-token-0123456789abcdef"

    private func get(_ port: Int, _ path: String, token: String? = nil) throws -> RawHTTPResponse {
        try RawHTTPClient(port: port, timeout: 10).request(
            "GET", path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    func testEachSiteIsShownApartAndTogetherAndASiteTokenSeesOnlyItsSite() throws {
        try pipeline.startProducer(environment: ["SITES": "shop.example,blog.example,docs.example"])
        let (consumer, port) = try pipeline.startConsumer(
            environment: ["STATS_TOKEN": statsToken, "SITE_TOKENS": "shop.example=\(shopToken)"])

        // Three sites, each named its own way.
        for index in 0..<3 {
            let response = try pipeline.post(
                "/event",
                #"{"type":"page_view","user_id":"shop-\#(index)","site":"shop.example","url":"https://cdn.example/p"}"#)
            XCTAssertEqual(response.status, 202, response.description)
        }
        for index in 0..<2 {
            let response = try pipeline.post(
                "/event", #"{"type":"page_view","user_id":"blog-\#(index)","url":"https://www.blog.example/post"}"#)
            XCTAssertEqual(response.status, 202, response.description)
        }
        let fromOrigin = try pipeline.post(
            "/event", #"{"type":"signup","user_id":"docs-0"}"#, headers: ["Origin": "https://docs.example"])
        XCTAssertEqual(fromOrigin.status, 202, fromOrigin.description)
        // A fourth site is not one of SITES: refused, and told which site.
        let refused = try pipeline.post("/event", #"{"type":"page_view","url":"https://elsewhere.example/"}"#)
        XCTAssertEqual(refused.status, 403, refused.description)
        XCTAssertTrue((refused.json["error"] as? String ?? "").contains("elsewhere.example"), refused.description)

        let records = try pipeline.records()
        XCTAssertEqual(
            records.compactMap { $0.json["site"] as? String }.sorted(),
            ["blog.example", "blog.example", "docs.example", "shop.example", "shop.example", "shop.example"])

        // Every site together, as /analytics always meant.
        var all: [String: Any] = [:]
        XCTAssertTrue(
            Wait.until(timeout: 60) {
                all = (try? self.get(port, "/analytics", token: self.statsToken).json) ?? [:]
                return all["total_events"] as? Int == 6
            }, pipeline.output)
        XCTAssertNil(all["site"])
        XCTAssertEqual(all["sites_over_capacity"] as? Int, 0)

        // Each site apart.
        for (site, events, users) in [("shop.example", 3, 3), ("blog.example", 2, 2), ("docs.example", 1, 1)] {
            let own = try get(port, "/analytics?site=\(site)", token: statsToken)
            XCTAssertEqual(own.status, 200, own.description)
            XCTAssertEqual(own.json["site"] as? String, site)
            XCTAssertEqual(own.json["total_events"] as? Int, events, site)
            XCTAssertEqual(own.json["unique_users"] as? Int, users, site)
        }
        let sites = try get(port, "/api/sites", token: statsToken)
        XCTAssertEqual(sites.status, 200, sites.description)
        let rows = sites.jsonArray
        XCTAssertEqual(rows.map { $0["site"] as? String }, ["shop.example", "blog.example", "docs.example"])
        XCTAssertEqual(rows.map { $0["visitors"] as? Int }, [3, 2, 1])
        XCTAssertEqual(rows.map { $0["pageviews"] as? Int }, [3, 2, 0])
        XCTAssertEqual(rows.first?["current_visitors"] as? Int, 3)
        XCTAssertEqual((rows.first?["events_per_minute"] as? [String: Int])?.values.reduce(0, +), 3)

        // Unknown and malformed sites are told apart, with the field named.
        let unknown = try get(port, "/analytics?site=nowhere.example", token: statsToken)
        XCTAssertEqual(unknown.status, 404, unknown.description)
        XCTAssertEqual(unknown.json["field"] as? String, "site")
        let malformed = try get(port, "/analytics?site=%3Cscript%3E%20x", token: statsToken)
        XCTAssertEqual(malformed.status, 400, malformed.description)
        XCTAssertEqual(try get(port, "/analytics/stream?site=nowhere.example", token: statsToken).status, 404)

        // The shop's token sees the shop, and nothing else.
        XCTAssertEqual(try get(port, "/api/sites").status, 401)
        let shopOnly = try get(port, "/analytics", token: shopToken)
        XCTAssertEqual(shopOnly.json["site"] as? String, "shop.example", shopOnly.description)
        XCTAssertEqual(shopOnly.json["total_events"] as? Int, 3)
        let other = try get(port, "/analytics?site=blog.example", token: shopToken)
        XCTAssertEqual(other.status, 403, other.description)
        XCTAssertEqual(
            try get(port, "/api/sites", token: shopToken).jsonArray.map { $0["site"] as? String }, ["shop.example"])
        let login = try get(port, "/?token=\(shopToken)")
        XCTAssertEqual(login.status, 303, login.description)
        XCTAssertEqual(login.header("Location"), "/?site=shop.example")

        // The stream of one site.
        let client = try RawHTTPClient(port: port, timeout: 10)
        try client.send(
            "GET /analytics/stream?site=blog.example HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(statsToken)\r\n\r\n"
        )
        XCTAssertEqual(try client.readHead().status, 200)
        let first = try client.read(through: "\n\n")
        XCTAssertTrue(first.contains(#""site":"blog.example""#), first)
        XCTAssertTrue(first.contains(#""total_events":2"#), first)

        // The printed summary lists the sites, most visitors first.
        XCTAssertTrue(
            consumer.waitForOutput("  shop.example: 3 visitors, 3 page views", timeout: 15), consumer.output)
        XCTAssertTrue(consumer.stdout.contains("Sites:\n  shop.example"), consumer.stdout)
    }

    func testSitesBeyondMaxSitesCountInTheTotalsOnlyAndAreLoggedOnce() throws {
        try pipeline.startProducer()
        let (consumer, port) = try pipeline.startConsumer(environment: ["MAX_SITES": "2"])
        // Two sites fill MAX_SITES (session ids spread their events over all six partitions).
        for (site, prefix) in [("a.example", "a"), ("b.example", "b")] {
            let events = (0..<30).map { #"{"type":"page_view","session_id":"\#(prefix)-\#($0)","site":"\#(site)"}"# }
            XCTAssertEqual(try pipeline.post("/events", "[" + events.joined(separator: ",") + "]").status, 202)
        }
        _ = pipeline.waitForTotal(60, port: port)
        let third = (0..<10).map { #"{"type":"page_view","session_id":"c-\#($0)","site":"c.example"}"# }
        XCTAssertEqual(try pipeline.post("/events", "[" + third.joined(separator: ",") + "]").status, 202)
        let stats = pipeline.waitForTotal(70, port: port)
        XCTAssertEqual(stats["sites_over_capacity"] as? Int, 10, pipeline.output)
        XCTAssertEqual(
            try get(port, "/api/sites").jsonArray.compactMap { $0["site"] as? String }.sorted(),
            ["a.example", "b.example"])
        XCTAssertEqual(try get(port, "/analytics?site=a.example").json["total_events"] as? Int, 30)
        XCTAssertEqual(try get(port, "/analytics?site=b.example").json["total_events"] as? Int, 30)
        XCTAssertEqual(try get(port, "/analytics?site=c.example").status, 404)
        XCTAssertTrue(consumer.waitForOutput("site c.example has no view of its own", timeout: 10), consumer.output)
        XCTAssertEqual(consumer.stderr.components(separatedBy: "site c.example has no view").count - 1, 1)
        let metrics = try get(port, "/metrics").text
        XCTAssertTrue(metrics.contains("events_over_sites_capacity_total 10"), metrics)
        XCTAssertTrue(metrics.contains("consumer_site_views "), metrics)
    }
}
