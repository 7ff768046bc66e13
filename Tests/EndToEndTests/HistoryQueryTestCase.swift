import Foundation
import TestSupport
import XCTest

/// A real pipeline and ClickHouse holding 60 days of visits to 3 sites from 3 countries and known
/// sources, imported through `IMPORT_TOKEN` (`importEvents`), with helpers to ask the query API;
/// the tests compare its answers with what `SentEvents` works out from the events sent.
class HistoryQueryTestCase: HistoryTestCase {
    let statsToken = "stats-token-0123456789abcdef"
    let siteToken = "site-token-b-0123456789abcdef"
    var statsPort = 0
    var sent = SentEvents()

    /// Imports the events once per test (each test has its own broker and ClickHouse).
    func importEvents() throws {
        try pipeline.startProducer(environment: [
            "IMPORT_TOKEN": importToken, "IMPORT_MAX_AGE_DAYS": "90", "TRUSTED_PROXIES": "127.0.0.1",
            "GEOIP_DATA_DIR": "auto",
        ])
        XCTAssertTrue(pipeline.producer?.waitForOutput("country data loaded") ?? false, pipeline.output)
        var environment = historyEnvironment
        environment["GOALS"] = "Signup=event:signup,Pricing=page:/pricing"
        environment["SITE_TIMEZONES"] = "b.example=America/New_York"
        environment["STATS_TOKEN"] = statsToken
        environment["SITE_TOKENS"] = "b.example=\(siteToken)"
        (_, statsPort) = try pipeline.startConsumer(environment: environment)
        sent = SentEvents.make(today: Date())
        let addresses = ["US": "8.8.8.8", "GB": "81.2.69.142", "DE": "46.4.0.1"]
        for (country, events) in Dictionary(grouping: sent.events, by: \.country) {
            for start in stride(from: 0, to: events.count, by: 400) {
                let body = "[" + events[start..<min(start + 400, events.count)].map(\.json).joined(separator: ",") + "]"
                let response = try pipeline.post(
                    "/events", body,
                    headers: ["Authorization": "Bearer \(importToken)", "X-Forwarded-For": addresses[country] ?? ""])
                XCTAssertEqual(response.status, 202, response.text)
            }
        }
        XCTAssertEqual(waitForStored(sent.events.count).rows, sent.events.count, pipeline.output)
    }

    func query(_ json: String, token: String? = nil, accept: String? = nil, path: String = "/api/v2/query")
        throws -> RawHTTPResponse
    {
        var headers = ["Authorization": "Bearer \(token ?? statsToken)", "Content-Type": "application/json"]
        if let accept { headers["Accept"] = accept }
        return try RawHTTPClient(port: statsPort, timeout: 60).request("POST", path, body: json, headers: headers)
    }

    /// The `results` of a query that must succeed, as `[[dimensions], [metrics]]` pairs.
    func results(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> [[String: Any]] {
        let response = try query(json)
        XCTAssertEqual(response.status, 200, response.text, file: file, line: line)
        return (response.json["results"] as? [[String: Any]]) ?? []
    }

    func numbers(_ row: [String: Any], _ key: String = "metrics") -> [Double] {
        ((row[key] as? [Any]) ?? []).map { ($0 as? NSNumber)?.doubleValue ?? .nan }
    }
}
