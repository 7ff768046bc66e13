import Foundation
import TestSupport
import XCTest

/// A password-reset token or a fragment in a page's address never leaves the producer, whichever
/// way the event arrives: the topic (read with kcat) and the consumer's `/analytics` hold the path
/// and the campaign only.
final class URLPrivacyTests: PipelineTestCase {
    private static let url = "https://example.com/reset?token=SECRET&utm_source=news&q=shoes#frag"
    private static let referrer = "https://mail.example/inbox?email=SECRET%40example.com#frag"

    func testTokensAndFragmentsInURLAndReferrerReachNeitherTheTopicNorTheStatistics() throws {
        try pipeline.startProducer(environment: ["KEPT_QUERY_PARAMETERS": "q"])
        let (_, statsPort) = try pipeline.startConsumer()
        let event = #"{"type":"page_view","session_id":"s1","url":"\#(Self.url)","referrer":"\#(Self.referrer)"}"#

        XCTAssertEqual(try pipeline.post("/event", event, headers: ["Content-Type": "application/json"]).status, 202)
        XCTAssertEqual(try pipeline.post("/events", "[\(event)]").status, 202)
        // The tracker's beacon: text/plain, no preflight.
        XCTAssertEqual(
            try pipeline.post("/event", event, headers: ["Content-Type": "text/plain;charset=UTF-8"]).status, 202)
        let query = [("type", "page_view"), ("session_id", "s2"), ("url", Self.url), ("referrer", Self.referrer)]
            .map { "\($0.0)=\(Self.formEncoded($0.1))" }.joined(separator: "&")
        let pixel = try RawHTTPClient(port: pipeline.producerPort, timeout: 15).request("GET", "/pixel.gif?\(query)")
        XCTAssertEqual(pixel.status, 200, pixel.description)

        let stats = pipeline.waitForTotal(4, port: statsPort)
        XCTAssertEqual(stats["total_events"] as? Int, 4, pipeline.output)
        XCTAssertEqual(stats["traffic_sources"] as? [String: Int], ["news": 4], "the campaign is still read")
        let analytics = try RawHTTPClient(port: statsPort, timeout: 5).request("GET", "/analytics").text

        let records = try pipeline.records()
        XCTAssertEqual(records.count, 4)
        for record in records {
            XCTAssertEqual(record.json["url"] as? String, "https://example.com/reset?utm_source=news&q=shoes")
            XCTAssertEqual(record.json["referrer"] as? String, "https://mail.example/inbox")
            XCTAssertEqual(record.json["path"] as? String, "/reset")
        }
        for (place, text) in [("the topic", records.map(\.payload).joined(separator: "\n")), ("/analytics", analytics)]
        {
            XCTAssertFalse(text.contains("SECRET"), "\(place) holds the token: \(text)")
            XCTAssertFalse(text.contains("frag"), "\(place) holds the fragment: \(text)")
        }
    }

    /// `text` as a query value: everything but unreserved characters percent-encoded.
    private static func formEncoded(_ text: String) -> String {
        text.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~")))
            ?? text
    }
}
