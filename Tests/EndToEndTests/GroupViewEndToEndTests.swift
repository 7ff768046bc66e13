import Foundation
import TestSupport
import XCTest

/// Three consumers in one group each own some partitions, yet each shows the whole site: they
/// share partial states through the partials topic. One is killed; after the rebalance the
/// survivors' totals are still right — nothing dropped, nothing counted twice — and so is each
/// site's own view.
final class GroupViewEndToEndTests: XCTestCase {
    private struct Expected {
        var total = 0
        var users = Set<String>()
        var sessions = Set<String>()
        var types: [String: Int] = [:]
        var views: [String: Int] = [:]
        var visitors: [String: Set<String>] = [:]
        /// Events and users of each site.
        var siteEvents: [String: Int] = [:]
        var siteUsers: [String: Set<String>] = [:]
    }

    static let sites = ["a.example", "b.example", "c.example"]

    /// Event `index` of the stream: 2,000 users, one session each, 300 pages, 9 in 10 page views,
    /// each user on one of three sites.
    private func event(_ index: Int) -> (
        json: String, user: String, session: String, type: String, path: String, site: String
    ) {
        let user = "user-\(index % 2_000)"
        let session = "session-\(index % 2_000)"
        let type = (index / 7) % 10 == 0 ? "click" : "page_view"
        let path = "/page-\((index * 7) % 300)"
        let site = Self.sites[index % 2_000 % 3]
        let json =
            #"{"type":"\#(type)","user_id":"\#(user)","session_id":"\#(session)","url":"https://example.com\#(path)","#
            + #""site":"\#(site)"}"#
        return (json, user, session, type, path, site)
    }

    /// Sends events `range` through the producer's batch endpoint, 500 per request.
    private func send(_ range: Range<Int>, through pipeline: Pipeline, into expected: inout Expected) throws {
        for start in stride(from: range.lowerBound, to: range.upperBound, by: 500) {
            let batch = (start..<min(start + 500, range.upperBound)).map(event)
            let response = try pipeline.post("/events", "[" + batch.map(\.json).joined(separator: ",") + "]")
            XCTAssertEqual(response.status, 202, response.text)
            XCTAssertEqual(response.json["accepted"] as? Int, batch.count)
            for item in batch {
                expected.total += 1
                expected.users.insert(item.user)
                expected.sessions.insert(item.session)
                expected.types[item.type, default: 0] += 1
                expected.siteEvents[item.site, default: 0] += 1
                expected.siteUsers[item.site, default: []].insert(item.user)
                if item.type == "page_view" {
                    expected.views[item.path, default: 0] += 1
                    expected.visitors[item.path, default: []].insert(item.user)
                }
            }
        }
    }

    /// Waits until the consumer on `port` shows `expected.total` events, then checks every figure.
    private func assertShowsEverything(
        _ expected: Expected, port: Int, pipeline: Pipeline, file: StaticString = #filePath, line: UInt = #line
    ) {
        let stats = pipeline.waitForTotal(expected.total, port: port, timeout: 90)
        XCTAssertEqual(stats["total_events"] as? Int, expected.total, "port \(port)", file: file, line: line)
        // Exact below the sketches' exact limits (2,048 users; 1,000 pages monitored).
        XCTAssertEqual(stats["unique_users"] as? Int, expected.users.count, file: file, line: line)
        XCTAssertEqual(stats["active_sessions"] as? Int, expected.sessions.count, file: file, line: line)
        XCTAssertEqual(stats["events_by_type"] as? [String: Int], expected.types, file: file, line: line)
        XCTAssertEqual(stats["duplicate_events"] as? Int, 0, file: file, line: line)
        let topPages = stats["top_pages"] as? [[String: Any]] ?? []
        XCTAssertEqual(topPages.count, 10, file: file, line: line)
        let shown = Set(topPages.compactMap { $0["path"] as? String })
        let lowestShown = topPages.compactMap { $0["views"] as? Int }.min() ?? 0
        for page in topPages {
            guard let path = page["path"] as? String else { continue }
            XCTAssertEqual(page["views"] as? Int, expected.views[path], path, file: file, line: line)
            // Per-page visitors: exact up to 64, then a sketch with 3.25% standard error.
            let visitors = Double(expected.visitors[path]?.count ?? 0)
            XCTAssertEqual(
                Double(page["unique_visitors"] as? Int ?? -1), visitors, accuracy: max(1, visitors * 0.1), path,
                file: file, line: line)
        }
        for (path, views) in expected.views where !shown.contains(path) {
            XCTAssertLessThanOrEqual(views, lowestShown, "\(path) should be in the top pages", file: file, line: line)
        }
        let sessions = stats["session_metrics"] as? [String: Any] ?? [:]
        XCTAssertEqual(sessions["sessions_started"] as? Int, expected.sessions.count, file: file, line: line)
        // Each site whole, from its own view of every partition.
        for site in Self.sites {
            let own = (try? RawHTTPClient(port: port).request("GET", "/analytics?site=\(site)").json) ?? [:]
            XCTAssertEqual(own["site"] as? String, site, file: file, line: line)
            XCTAssertEqual(own["total_events"] as? Int, expected.siteEvents[site], site, file: file, line: line)
            XCTAssertEqual(own["unique_users"] as? Int, expected.siteUsers[site]?.count, site, file: file, line: line)
        }
        let rows = (try? RawHTTPClient(port: port).request("GET", "/api/sites").jsonArray) ?? []
        XCTAssertEqual(
            Set(rows.compactMap { $0["site"] as? String }), Set(Self.sites), "\(rows)", file: file, line: line)
        for row in rows {
            guard let site = row["site"] as? String else { continue }
            XCTAssertEqual(row["visitors"] as? Int, expected.siteUsers[site]?.count, site, file: file, line: line)
        }
    }

    private func owned(port: Int, pipeline: Pipeline) -> [Int] {
        let coverage = pipeline.analytics(port: port)["partitions"] as? [String: Any] ?? [:]
        return coverage["owned"] as? [Int] ?? []
    }

    func testThreeConsumersEachShowTheWholeSiteAndStayRightWhenOneIsKilled() throws {
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer()
        let environment = ["PARTIALS_INTERVAL_MS": "500"]
        var ports: [Int] = []
        for _ in 0..<3 {
            ports.append(try pipeline.startConsumer(statsInterval: 5, environment: environment).1)
        }
        // The group settles with two of the six partitions each.
        XCTAssertTrue(
            Wait.until(timeout: 60) { ports.allSatisfy { self.owned(port: $0, pipeline: pipeline).count == 2 } },
            "the group did not settle:\n\(pipeline.output)")
        var expected = Expected()
        try send(0..<20_000, through: pipeline, into: &expected)
        XCTAssertEqual(expected.users.count, 2_000)
        XCTAssertEqual(expected.views.count, 300)

        for port in ports { assertShowsEverything(expected, port: port, pipeline: pipeline) }
        // Each owns a share of the six partitions and counts the rest from the others' partials.
        var owners = Set<Int32>()
        for port in ports {
            let coverage = pipeline.analytics(port: port)["partitions"] as? [String: Any] ?? [:]
            let owned = (coverage["owned"] as? [Int] ?? []).map(Int32.init)
            let fromPartials = (coverage["from_partials"] as? [Int] ?? []).map(Int32.init)
            XCTAssertFalse(owned.isEmpty, "consumer on \(port) owns no partition: \(coverage)")
            XCTAssertEqual(Set(owned).union(fromPartials), Set(0..<6), "\(coverage)")
            XCTAssertTrue(owners.isDisjoint(with: owned), "partitions owned twice: \(coverage)")
            owners.formUnion(owned)
        }

        // One member dies without a word. While the group notices and its partitions move, the
        // survivors keep showing them from its last partial states, then from their own: the
        // totals never drop or double on the way.
        let victim = pipeline.consumers[0]
        victim.signal(SIGKILL)
        XCTAssertEqual(victim.waitForExit(timeout: 10), SIGKILL)
        var samples: [Int] = []
        XCTAssertTrue(
            Wait.until(timeout: 60, interval: 0.1) {
                for port in ports.dropFirst() {
                    samples.append(pipeline.analytics(port: port)["total_events"] as? Int ?? -1)
                }
                return ports.dropFirst().allSatisfy { self.owned(port: $0, pipeline: pipeline).count == 3 }
            }, "the survivors did not take over the partitions:\n\(pipeline.output)")
        XCTAssertGreaterThan(samples.count, 10)
        XCTAssertEqual(Set(samples), [expected.total], "totals seen during the rebalance")

        try send(20_000..<22_000, through: pipeline, into: &expected)
        for port in ports.dropFirst() {
            assertShowsEverything(expected, port: port, pipeline: pipeline)
        }
        Thread.sleep(forTimeInterval: 2)
        for port in ports.dropFirst() { assertShowsEverything(expected, port: port, pipeline: pipeline) }

        // Another group on the same topic and partials topic keeps its own partials: it counts
        // the topic from the start instead of continuing from the first group's states, and the
        // first group's numbers do not move.
        let (_, other) = try pipeline.startConsumer(
            statsInterval: 5, environment: environment.merging(["CONSUMER_GROUP": "second-group"]) { $1 })
        assertShowsEverything(expected, port: other, pipeline: pipeline)
        let coverage = pipeline.analytics(port: other)["partitions"] as? [String: Any] ?? [:]
        XCTAssertEqual(coverage["owned"] as? [Int], Array(0..<6), "\(coverage)")
        XCTAssertEqual(coverage["from_partials"] as? [Int], [], "\(coverage)")
        let metrics = try RawHTTPClient(port: other).request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains("records_consumed_total \(expected.total)\n"), metrics)
        Thread.sleep(forTimeInterval: 1)
        for port in ports.dropFirst() { assertShowsEverything(expected, port: port, pipeline: pipeline) }
    }
}
