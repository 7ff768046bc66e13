import AnalyticsCore
import Foundation
import HTTPServer
import TestSupport
import XCTest

/// What a website and an abuser see of the producer's ingestion controls: compressed bodies, the
/// no-JS pixel, IP policy behind proxies, rate limits and allowed hosts — each read back from
/// the topic, so nothing refused lands there and nothing accepted is lost.
final class IngestionControlsTests: PipelineTestCase {
    private let page =
        #"{"type":"page_view","session_id":"s1","url":"https://example.com/home","user_agent":"Mozilla/5.0 Firefox/121.0"}"#

    private func client() throws -> RawHTTPClient { try RawHTTPClient(port: pipeline.producerPort, timeout: 15) }

    private func assertError(
        _ response: RawHTTPResponse, _ status: Int, contains text: String, field: String? = nil, line: UInt = #line
    ) {
        XCTAssertEqual(response.status, status, response.description, line: line)
        XCTAssertEqual(response.header("Content-Type"), "application/json", line: line)
        let message = response.json["error"] as? String ?? ""
        XCTAssertTrue(message.contains(text), "\(message) should contain \(text)", line: line)
        if let field { XCTAssertEqual(response.json["field"] as? String, field, line: line) }
    }

    func testCompressedBodiesAreInflatedHeldToTheLimitAndOtherCodingsRefused() throws {
        try pipeline.startProducer()
        let gzipped = try XCTUnwrap(GzipCompressor.compress(Array(page.utf8)))
        let one = try client().request("POST", "/event", bytes: gzipped, headers: ["Content-Encoding": "gzip"])
        XCTAssertEqual(one.status, 202, one.description)
        // POST /events with deflate (the raw stream inside the gzip member, as some clients send it).
        let batch = Array("[\(page),\(page)]".utf8)
        let zipped = try XCTUnwrap(GzipCompressor.compress(batch))
        let deflated = Array(zipped[10..<(zipped.count - 8)])
        let two = try client().request("POST", "/events", bytes: deflated, headers: ["Content-Encoding": "deflate"])
        XCTAssertEqual(two.status, 202, two.description)
        XCTAssertEqual(two.json["accepted"] as? Int, 2)

        // 10 MB of zeros in about 10 KB: refused at MAX_BODY_BYTES (1 MiB) decompressed.
        let bomb = try XCTUnwrap(GzipCompressor.compress([UInt8](repeating: 0, count: 10_000_000)))
        XCTAssertLessThan(bomb.count, 12_000)
        assertError(
            try client().request("POST", "/event", bytes: bomb, headers: ["Content-Encoding": "gzip"]), 413,
            contains: "decompressed body is larger than 1048576 bytes")
        assertError(
            try client().request(
                "POST", "/events", bytes: Array(gzipped.prefix(20)), headers: ["Content-Encoding": "gzip"]),
            400, contains: "not valid gzip data")
        assertError(
            try client().request("POST", "/event", bytes: Array(page.utf8), headers: ["Content-Encoding": "gzip"]), 400,
            contains: "not valid gzip data")
        assertError(
            try client().request("POST", "/event", bytes: gzipped, headers: ["Content-Encoding": "br"]), 415,
            contains: "Content-Encoding must be gzip or deflate")
        let metrics = try client().request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains(#"events_rejected_total{reason="body_too_large"} 1"#), metrics)
        XCTAssertEqual(try pipeline.records().count, 3, "the three accepted events, and only them")
    }

    func testThePixelTakesAnEventAsQueryParametersAndAnswersAGIF() throws {
        try pipeline.startProducer()
        let url = "https%3A%2F%2Fexample.com%2Fnews%3Fref%3D%2541"
        let query =
            "type=page_view&url=\(url)&referrer=https%3A%2F%2Fmail.example%2F&session_id=pixel-1"
            + "&metadata=%7B%22campaign%22%3A%22email%22%7D"
        let response = try client().request(
            "GET", "/pixel.gif?" + query, headers: ["User-Agent": "Mozilla/5.0 Firefox/121.0"])
        XCTAssertEqual(response.status, 200, response.description)
        XCTAssertEqual(response.header("Content-Type"), "image/gif")
        XCTAssertEqual(response.header("Cache-Control"), "no-store")
        XCTAssertEqual(response.body.count, 43)
        XCTAssertEqual(Array(response.body.prefix(6)), Array("GIF89a".utf8))
        let head = try client().request("HEAD", "/pixel.gif?" + query)
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Content-Type"), "image/gif")

        assertError(
            try client().request("GET", "/pixel.gif?type=page_view&url=%zz"), 400, contains: "bad percent-escape",
            field: "url")
        assertError(
            try client().request("GET", "/pixel.gif?type=page_view&url=%E2%82"), 400, contains: "not UTF-8",
            field: "url")
        assertError(try client().request("GET", "/pixel.gif"), 400, contains: "query parameters", field: "type")
        assertError(
            try client().request("GET", "/pixel.gif?url=https%3A%2F%2Fexample.com%2F"), 400,
            contains: "\"type\" is required", field: "type")
        assertError(
            try client().request("GET", "/pixel.gif?type=page_view&url=ftp%3A%2F%2Fx"), 400, contains: "url",
            field: "url")
        assertError(try client().request("GET", "/pixel.gif?type=Bad+Type"), 400, contains: "type", field: "type")
        assertError(
            try client().request("GET", "/pixel.gif?type=click&metadata=%5B1%5D"), 400, contains: "metadata",
            field: "metadata")

        let records = try pipeline.records()
        XCTAssertEqual(records.count, 1, "only the accepted pixel; HEAD records nothing")
        let event = try XCTUnwrap(records.first?.json)
        XCTAssertEqual(event["url"] as? String, "https://example.com/news?ref=%41", "decoded once")
        XCTAssertEqual(event["path"] as? String, "/news")
        XCTAssertEqual(event["referrer"] as? String, "https://mail.example/")
        XCTAssertEqual(event["user_agent"] as? String, "Mozilla/5.0 Firefox/121.0")
        XCTAssertEqual((event["metadata"] as? [String: String])?["campaign"], "email")
        XCTAssertNotNil(event["visitor_id"] as? String)
    }

    func testWhatReachesKafkaFollowsTheIPPolicyAndProxiesAreBelievedOnlyWhenTrusted() throws {
        func address(environment: [String: String], headers: [String: String] = [:]) throws -> String? {
            try pipeline.startProducer(environment: environment)
            defer {
                pipeline.producer?.signal(SIGTERM)
                _ = pipeline.producer?.waitForExit(timeout: 20)
            }
            let before = try pipeline.records().count
            let response = try client().request("POST", "/event", body: page, headers: headers)
            XCTAssertEqual(response.status, 202, response.description)
            let records = try pipeline.records()
            XCTAssertEqual(records.count, before + 1)
            return records.last?.json["ip_address"] as? String
        }
        let forwarded = ["X-Forwarded-For": "203.0.113.9, 198.51.100.23"]
        XCTAssertEqual(try address(environment: [:]), "127.0.0.0", "anonymized to the /24 by default")
        XCTAssertEqual(try address(environment: [:], headers: forwarded), "127.0.0.0", "no trusted proxies: ignored")
        XCTAssertEqual(try address(environment: ["TRUSTED_PROXIES": "10.0.0.0/8"], headers: forwarded), "127.0.0.0")
        XCTAssertEqual(
            try address(environment: ["TRUSTED_PROXIES": "127.0.0.1/32"], headers: forwarded), "198.51.100.0",
            "the rightmost address the trusted proxy vouches for")
        // Issue 29: behind a proxy that appends X-Forwarded-For (the default header), a client's own
        // `Forwarded` passed through and was believed. Only the configured header is read.
        let keep = ["TRUSTED_PROXIES": "127.0.0.1", "IP_POLICY": "keep"]
        XCTAssertEqual(
            try address(
                environment: keep,
                headers: ["Forwarded": "for=198.51.100.99", "X-Forwarded-For": "6.6.6.6, 203.0.113.7"]),
            "203.0.113.7")
        let forwardedHeader = keep.merging(["CLIENT_IP_HEADER": "Forwarded"]) { $1 }
        XCTAssertEqual(
            try address(
                environment: forwardedHeader,
                headers: [
                    "Forwarded": #"for="[2001:db8:cafe::17]:4711";proto=https"#, "X-Forwarded-For": "203.0.113.7",
                ]),
            "2001:db8:cafe::17")
        XCTAssertEqual(
            try address(
                environment: ["TRUSTED_PROXIES": "127.0.0.1", "CLIENT_IP_HEADER": "forwarded"],
                headers: ["Forwarded": #"for="[2001:db8:cafe::17]""#]),
            "2001:db8:cafe::", "anonymized to the /48")
        // An element that names no address (here one without `for=`) stops the walk at the last
        // hop believed: the trusted proxy itself, never the address the client wrote to its left.
        XCTAssertEqual(
            try address(
                environment: forwardedHeader, headers: ["Forwarded": "for=198.51.100.99, proto=https;by=10.0.0.1"]),
            "127.0.0.1")
        XCTAssertEqual(
            try address(
                environment: keep.merging(["CLIENT_IP_HEADER": "X-Real-IP"]) { $1 },
                headers: ["X-Real-IP": "203.0.113.44", "X-Forwarded-For": "198.51.100.99"]),
            "203.0.113.44")
        XCTAssertNil(try address(environment: ["IP_POLICY": "drop"]))
        XCTAssertEqual(try address(environment: ["IP_POLICY": "keep"]), "127.0.0.1")
    }

    func testOverTheRateLimitAClientGets429WithRetryAfterAndBatchesCountTheirEvents() throws {
        try pipeline.startProducer(environment: ["RATE_LIMIT_PER_IP": "1", "RATE_LIMIT_BURST": "4"])
        let connection = try client()
        for _ in 0..<3 { XCTAssertEqual(try connection.request("POST", "/event", body: page).status, 202) }
        let batchOfThree = "[\(page),\(page),\(page)]"
        let limited = try connection.request("POST", "/events", body: batchOfThree)
        assertError(limited, 429, contains: "too many events from your address")
        XCTAssertEqual(limited.header("Retry-After"), "2", "one token left, three needed, one per second")
        XCTAssertEqual(try connection.request("POST", "/event", body: page).status, 202, "the fourth event fits")
        assertError(try connection.request("POST", "/event", body: page), 429, contains: "at most 1 per second")
        assertError(try connection.request("GET", "/pixel.gif?type=page_view"), 429, contains: "too many events")
        let metrics = try connection.request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains(#"events_rejected_total{reason="rate_limited"} 3"#), metrics)
        XCTAssertEqual(try pipeline.records().count, 4)
    }

    func testEventsForSitesOutsideSitesAre403NamingTheSite() throws {
        try pipeline.startProducer(environment: ["SITES": "example.com, *.shop.example"])
        func post(_ url: String?, origin: String? = nil, site: String? = nil) throws -> RawHTTPResponse {
            let member = url.map { #","url":"\#($0)""# } ?? ""
            let siteMember = site.map { #","site":"\#($0)""# } ?? ""
            return try client().request(
                "POST", "/event", body: #"{"type":"page_view","session_id":"s"\#(member)\#(siteMember)}"#,
                headers: origin.map { ["Origin": $0] } ?? [:])
        }
        XCTAssertEqual(try post("https://www.example.com/").status, 202, "www. is the same site")
        XCTAssertEqual(try post("https://evil.example/", site: "Example.COM").status, 202, "site names the site")
        assertError(
            try post("https://example.com/", site: "evil.example"), 403, contains: "for the site evil.example",
            field: "site")
        assertError(try post(nil, site: "not a host"), 400, contains: "host name", field: "site")
        XCTAssertEqual(try post("https://example.com/").status, 202)
        XCTAssertEqual(try post("https://EU.Shop.Example:8443/cart").status, 202)
        assertError(
            try post("https://evil.example/"), 403, contains: "does not take events for the site evil.example",
            field: "url")
        assertError(try post("https://shop.example/"), 403, contains: "shop.example", field: "url")
        assertError(try post(nil), 403, contains: "for the site default", field: "url")
        XCTAssertEqual(try post(nil, origin: "https://example.com").status, 202, "no url: the page's Origin decides")
        let batch = try client().request(
            "POST", "/events",
            body: #"[{"type":"click","url":"https://example.com/a"},{"type":"click","url":"https://other.example/"}]"#)
        XCTAssertEqual(batch.status, 202)
        let results = batch.json["results"] as? [[String: Any]] ?? []
        XCTAssertEqual(results.map { $0["status"] as? String }, ["accepted", "rejected"])
        XCTAssertTrue((results.last?["error"] as? String ?? "").contains("other.example"))
        let records = try pipeline.records()
        XCTAssertEqual(
            records.compactMap { $0.json["site"] as? String }.sorted(),
            ["eu.shop.example", "example.com", "example.com", "example.com", "example.com", "example.com"])
        XCTAssertFalse(pipeline.producer?.stderr.contains("SITES is empty") ?? true)

        // ALLOWED_HOSTS, the former name, still works when SITES is unset.
        pipeline.producer?.signal(SIGTERM)
        _ = pipeline.producer?.waitForExit(timeout: 20)
        try pipeline.startProducer(environment: ["ALLOWED_HOSTS": "example.com"])
        assertError(try post("https://evil.example/"), 403, contains: "for the site evil.example", field: "url")

        pipeline.producer?.signal(SIGTERM)
        _ = pipeline.producer?.waitForExit(timeout: 20)
        try pipeline.startProducer(environment: ["DEFAULT_SITE": "Main.Example"])
        XCTAssertTrue(pipeline.producer?.stderr.contains("SITES is empty: events are taken for every site") ?? false)
        XCTAssertEqual(try post("https://evil.example/").status, 202)
        XCTAssertEqual(try post(nil).status, 202)
        let sites = try pipeline.records().compactMap { $0.json["site"] as? String }
        XCTAssertEqual(
            sites.filter { $0 != "example.com" && $0 != "eu.shop.example" }.sorted(), ["evil.example", "main.example"])
    }

    func testBadPrivacyAndAbuseSettingsStopTheProducerWithOneLineNamingThem() throws {
        let cases: [([String: String], String)] = [
            (["IP_POLICY": "hash"], #"invalid IP_POLICY="hash": expected one of anonymize, drop, keep"#),
            (["TRUSTED_PROXIES": "10.0.0.0/8,10.0.0.0/40"], #"("10.0.0.0/40" is not)"#),
            (["CLIENT_IP_HEADER": "X Real IP"], "an HTTP header name"),
            (["RATE_LIMIT_PER_IP": "-1"], #"invalid RATE_LIMIT_PER_IP="-1": expected a whole number from 0"#),
            (["ALLOWED_HOSTS": "https://example.com"], #"invalid ALLOWED_HOSTS="https://example.com""#),
            (["SITES": "example.com,exa mple.com"], #"("exa mple.com" is not)"#),
            (["DEFAULT_SITE": "<b>x</b>"], #"invalid DEFAULT_SITE="<b>x</b>": expected a host name"#),
            (["VISITOR_SALTS_TOPIC": "no spaces"], #"invalid VISITOR_SALTS_TOPIC="no spaces""#),
        ]
        for (environment, message) in cases {
            let producer = try ServiceProcess(
                "producer",
                environment: ["KAFKA_BROKERS": pipeline.brokers, "SERVER_PORT": "0"].merging(environment) { _, new in
                    new
                })
            XCTAssertEqual(producer.waitForExit(timeout: 20), 2, producer.output)
            XCTAssertTrue(producer.stderr.contains(message), "expected \(message) in \(producer.stderr)")
            XCTAssertEqual(producer.stderr.split(separator: "\n").count, 1, producer.output)
        }
    }
}
