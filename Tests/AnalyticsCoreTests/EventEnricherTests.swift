import AnalyticsCore
import Foundation
import XCTest

final class EventEnricherTests: XCTestCase {
    let receivedAt = Date(timeIntervalSince1970: 1_795_852_800.5)  // 2026-11-28T08:00:00.500Z
    let id = "0f8fad5b-d9cb-469f-a165-70867728950e"

    func testEnrichmentStampsTimeAndIDAndDerivesPath() throws {
        var validated = ValidatedEvent(type: "page_view")
        validated.url = "https://example.com/home?ref=x#top"
        validated.clientTimestamp = "2026-11-28T07:59:59Z"
        let event = EventEnricher().enrich(
            validated, context: RequestContext(clientAddress: "10.1.2.3", userAgent: "Mozilla/5.0"),
            receivedAt: receivedAt, generatedID: id
        ).record
        XCTAssertEqual(event.id, "0f8fad5b-d9cb-469f-a165-70867728950e")
        XCTAssertEqual(event.timestamp, "2026-11-28T08:00:00.500Z")
        XCTAssertEqual(event.clientTimestamp, "2026-11-28T07:59:59Z")
        XCTAssertEqual(event.path, "/home")
        XCTAssertEqual(event.ipAddress, "10.1.2.0", "IP_POLICY=anonymize by default: the /24")
        XCTAssertEqual(event.userAgent, "Mozilla/5.0")
    }

    func testClientValuesWinOverRequestFacts() {
        var validated = ValidatedEvent(type: "click")
        validated.id = "6ba7b810-9dad-11d1-80b4-00c04fd430c8"
        validated.ipAddress = "192.0.2.1"
        validated.userAgent = "Custom"
        validated.url = "https://example.com"
        validated.path = "/explicit"
        let event = EventEnricher().enrich(
            validated, context: RequestContext(clientAddress: "10.1.2.3", userAgent: "curl"), receivedAt: receivedAt,
            generatedID: id
        ).record
        XCTAssertEqual(event.id, "6ba7b810-9dad-11d1-80b4-00c04fd430c8")
        XCTAssertEqual(event.ipAddress, "192.0.2.0")
        XCTAssertEqual(event.userAgent, "Custom")
        XCTAssertEqual(event.path, "/explicit")
    }

    func testAnEventRelayedByALibraryCountsWithItsVisitorsAgentUnknown() {
        var validated = ValidatedEvent(type: "page_view")
        validated.url = "https://example.com/home"
        let enriched = EventEnricher().enrich(
            validated, context: RequestContext(clientAddress: "10.1.2.3", userAgent: "python-requests/2.31.0"),
            receivedAt: receivedAt, generatedID: id)
        XCTAssertEqual(enriched.classification, .unknown)
        XCTAssertNil(enriched.record.userAgent, "the library's agent is not the visitor's")
        XCTAssertFalse(enriched.record.isBot)
        XCTAssertFalse(String(decoding: EventCodec().encode(enriched.record), as: UTF8.self).contains("user_agent"))

        let headless = EventEnricher().enrich(
            validated, context: RequestContext(userAgent: "Mozilla/5.0 (X11) HeadlessChrome/120.0 Safari/537.36"),
            receivedAt: receivedAt, generatedID: id)
        XCTAssertTrue(headless.record.isBot)
        XCTAssertEqual(headless.record.userAgent, "Mozilla/5.0 (X11) HeadlessChrome/120.0 Safari/537.36")
        XCTAssertEqual(
            headless.classification,
            .bot(
                BotMatch(
                    kind: .headlessBrowser, excerpt: "HeadlessChrome/120.0", hasTextBefore: true, hasTextAfter: true)))
    }

    func testPathOfURLWithoutPathIsSlash() {
        XCTAssertEqual(EventEnricher.path(of: "https://example.com"), "/")
        XCTAssertEqual(EventEnricher.path(of: "https://example.com/a/b?c"), "/a/b")
    }

    func testRecordValueIsSortedCompactJSON() throws {
        var validated = ValidatedEvent(type: "page_view")
        validated.userID = "user123"
        validated.sessionID = "session456"
        validated.url = "https://example.com/home"
        validated.metadata = ["load_time": .integer(1234)]
        let event = EventEnricher().enrich(
            validated, context: RequestContext(), receivedAt: receivedAt, generatedID: id
        ).record
        let json = String(decoding: EventCodec().encode(event), as: UTF8.self)
        XCTAssertEqual(
            json,
            #"{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","metadata":{"load_time":1234},"path":"/home","session_id":"session456","site":"example.com","timestamp":"2026-11-28T08:00:00.500Z","type":"page_view","url":"https://example.com/home","user_id":"user123"}"#
        )
        XCTAssertEqual(try EventCodec().decode(Array(json.utf8)), event)
    }

    func testCodecRejectsRecordsThatAreNotEvents() {
        let codec = EventCodec()
        XCTAssertThrowsError(try codec.decode(Array("not json".utf8)))
        XCTAssertThrowsError(try codec.decode(Array(#"{"type":"click"}"#.utf8)))  // no id/timestamp
        XCTAssertThrowsError(
            try codec.decode(Array(#"{"id":"x","type":"Bad","timestamp":"2026-11-28T08:00:00Z"}"#.utf8))
        ) {
            XCTAssertEqual(($0 as? RecordDecodingError)?.reason, "invalid_type")
        }
        XCTAssertThrowsError(try codec.decode(Array(#"{"id":"x","type":"click","timestamp":"soon"}"#.utf8))) {
            XCTAssertEqual(($0 as? RecordDecodingError)?.reason, "invalid_timestamp")
        }
    }
}

/// The consumer's record decoder reads members in place; these pin down what it accepts and how
/// it reports what it does not, whatever the shape of the JSON.
final class EventCodecDecodingTests: XCTestCase {
    private let codec = EventCodec()
    private let base = #""id":"e1","type":"click","timestamp":"2026-11-28T08:00:00Z""#

    /// The record decoded whole, after checking that what the consumer decodes of it
    /// (`decodeSummary`) is the summary of the whole event.
    private func decode(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws -> AnalyticsEvent {
        let bytes = Array(json.utf8)
        let event = try codec.decode(bytes)
        let summary = try bytes.withUnsafeBytes { try codec.decodeSummary($0) }
        XCTAssertEqual(summary, EventSummary(event), json, file: file, line: line)
        return event
    }

    /// Why the record is refused, after checking that `decodeSummary` refuses it the same way.
    private func detail(_ json: String, file: StaticString = #filePath, line: UInt = #line) -> String? {
        let bytes = Array(json.utf8)
        let whole = Result { try codec.decode(bytes) }
        let summary = Result { try bytes.withUnsafeBytes { try codec.decodeSummary($0) } }
        switch (whole, summary) {
        case (.success(let event), .success(let summary)):
            XCTAssertEqual(summary, EventSummary(event), json, file: file, line: line)
            return nil
        case (.failure(let error), .failure(let summaryError)):
            XCTAssertEqual(error as? RecordDecodingError, summaryError as? RecordDecodingError, file: file, line: line)
            return (error as? RecordDecodingError)?.description
        default:
            XCTFail("decode and decodeSummary disagree on \(json)", file: file, line: line)
            return nil
        }
    }

    /// Each member the statistics read lands in the summary as `decode` reads it, escaped or not,
    /// and the visitor is the first of user id, visitor id and session id present and not empty.
    func testTheSummaryReadsWhatTheWholeEventReads() throws {
        let records = [
            #"{"id":"e1","type":"page_view","timestamp":"2026-11-28T08:00:00.250Z","url":"https://a.example/x?utm_campaign=c","path":"/x","referrer":"https://news.ycombinator.com/","user_agent":"Mozilla/5.0 (X11)","session_id":"s1","user_id":"u1","visitor_id":"v1","ip_address":"10.0.0.0","client_timestamp":"2026-11-28T07:59:00Z","metadata":{"load_time":12.5}}"#,
            #"{"id":"e\u0032","type":"click","timestamp":"2026-11-28T08:00:00Z","user_id":"","visitor_id":"v\u00e9","session_id":"s"}"#,
            #"{"id":"é","type":"click","timestamp":"2026-11-28T08:00:00Z","user_id":null,"visitor_id":"","session_id":"s\"1","bot":true}"#,
            #"{"id":"e4","type":"click","timestamp":"2026-11-28T08:00:00Z","session_id":"","url":"https://bücher.example/ü"}"#,
            #"{"id":"e5","type":"click","timestamp":"2026-11-28T08:00:00Z","bot":false,"metadata":{"load_time":"x"}}"#,
        ]
        for record in records { _ = try decode(record) }
        XCTAssertNil(try decode(records[3]).userID)
        let summaries = try records.map { record in
            try Array(record.utf8).withUnsafeBytes { try codec.decodeSummary($0) }
        }
        XCTAssertEqual(summaries.map(\.loadTime), [12.5, nil, nil, nil, nil])
        XCTAssertEqual(summaries.map(\.isBot), [false, false, true, false, false])
        XCTAssertEqual(summaries[2].sessionID, "s\"1")
        XCTAssertEqual(summaries[3].url, "https://bücher.example/ü")
        XCTAssertEqual(summaries.map { $0.visitorHash == nil }, [false, false, false, true, true])
        XCTAssertEqual(Set(summaries.compactMap(\.visitorHash)).count, 3, "u:u1, v:vé and s:s\"1 differ")
        XCTAssertEqual(summaries[0].receivedAt, Date(timeIntervalSince1970: 1_795_852_800.25))
    }

    func testUnknownMembersOfEveryKindAreSkippedAndNullMeansAbsent() throws {
        let event = try decode(
            #"{ "extra": {"a": [1, 2.5e3, true, false, null, {"b": "c"}]}, "n": -0.5, "#
                + base + #", "user_id": null, "path": "/p", "metadata": null }"#)
        XCTAssertEqual(event.id, "e1")
        XCTAssertEqual(event.type, "click")
        XCTAssertNil(event.userID)
        XCTAssertEqual(event.path, "/p")
        XCTAssertNil(event.metadata)
    }

    func testEscapedKeysAndValuesAreDecoded() throws {
        // "\u0075ser_id" is "user_id"; values with escapes and non-ASCII text come back exactly.
        let event = try decode(
            "{" + base + #", "\u0075ser_id": "a\"b\\c\u00e9", "referrer": "https://bücher.example/ü", "#
                + #""métadonnée": 1, "metadata": {"load_time": 12, "k\u00e9y": "v"}}"#)
        XCTAssertEqual(event.userID, "a\"b\\cé")
        XCTAssertEqual(event.referrer, "https://bücher.example/ü")
        XCTAssertEqual(event.metadata?["load_time"], .integer(12))
        XCTAssertEqual(event.metadata?["kéy"], .string("v"))
    }

    /// What the consumer reads: `load_time` without the metadata, the same value the metadata
    /// dictionary holds, for every shape of metadata.
    func testLoadTimeWithoutMetadataMatchesTheMetadata() throws {
        let cases: [(String, Double?)] = [
            (#""metadata": {"load_time": 1234}"#, 1234),
            (#""metadata": {"a": {"load_time": 1}, "load_time": 2.5e2, "b": [1]}"#, 250),
            (#""metadata": {"load_time": 1, "load_time": 7}"#, 7),
            (#""metadata": {"load\u005ftime": 9}"#, 9),
            (#""metadata": {"load_time": "fast"}"#, nil),
            (#""metadata": {"load_time": null}"#, nil),
            (#""metadata": {"load_time": 5}, "metadata": {"x": 1}"#, nil),
            (#""metadata": {"load_time": 5}, "metadata": null"#, nil),
            (#""metadata": {}"#, nil),
            (#""user_id": "u""#, nil),
        ]
        for (members, expected) in cases {
            let bytes = Array(("{" + base + ", " + members + "}").utf8)
            let summary = try bytes.withUnsafeBytes { try codec.decodeSummary($0) }
            XCTAssertEqual(summary.loadTime, expected, members)
            XCTAssertEqual(try codec.decode(bytes).metadata?["load_time"]?.doubleValue, expected, members)
        }
        XCTAssertEqual(
            detail("{" + base + #", "metadata": [1]}"#),
            #"record is not an analytics event ("metadata" is not an object)"#)
    }

    func testALaterDuplicateWins() throws {
        let event = try decode("{" + base + #", "type": "page_view", "path": "/a", "path": null}"#)
        XCTAssertEqual(event.type, "page_view")
        XCTAssertNil(event.path)
    }

    func testMembersOfTheWrongTypeAreNamedFirstInRecordOrder() {
        XCTAssertEqual(
            detail("{" + base + #", "user_id": 7, "url": [] }"#),
            #"record is not an analytics event ("user_id" is not a string)"#)
        XCTAssertEqual(
            detail("{" + base + #", "metadata": [1], "url": 2 }"#),
            #"record is not an analytics event ("metadata" is not an object)"#)
        // Not JSON at all wins over a wrong type seen before the syntax error.
        XCTAssertEqual(
            detail(#"{"user_id": 7, "id": "x" "type": "click"}"#),
            "record is not an analytics event (not JSON: expected ',' or '}' in an object at byte 25)")
    }

    func testDocumentsThatAreNotOneObjectAreRefused() {
        XCTAssertEqual(detail(#"["id"]"#), "record is not an analytics event (not a JSON object)")
        XCTAssertEqual(
            detail("{" + base + "} {}"),
            "record is not an analytics event (not JSON: unexpected data after the JSON value at byte 62)")
        XCTAssertNotNil(detail("{" + base + ","))
        XCTAssertNotNil(detail("{" + base + #", "a\#u{01}b": 1}"#))  // control character in a key
        XCTAssertNotNil(detail("{" + base + ", id: 1}"))  // unquoted key
        XCTAssertNotNil(detail(""))
        XCTAssertEqual(detail("{}"), #"record is not an analytics event (no "id")"#)
    }

    func testInvalidUTF8InAKeyIsRefused() {
        var bytes = Array(("{" + base + #", "k"#).utf8)
        bytes += [0xC3, 0x28]  // a broken two-byte sequence
        bytes += Array(#"": 1}"#.utf8)
        XCTAssertThrowsError(try codec.decode(bytes)) {
            XCTAssertEqual(($0 as? RecordDecodingError)?.reason, "not_an_event")
        }
    }
}

final class EventIDFormatTests: XCTestCase {
    func testIDsAreVersion7UUIDsThatSortByTimeAndCarryTheRandomBits() throws {
        let first = EventIDFormat.uuidV7(milliseconds: 1_795_867_200_000, random: (.max, .max))
        let second = EventIDFormat.uuidV7(milliseconds: 1_795_867_200_001, random: (0, 0))
        for id in [first, second] {
            XCTAssertNotNil(
                id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/), id)
            XCTAssertNotNil(UUID(uuidString: id))
        }
        XCTAssertEqual(first, "01a22206-ca00-7fff-bfff-ffffffffffff")
        XCTAssertEqual(second, "01a22206-ca01-7000-8000-000000000000")
        XCTAssertLessThan(first, second)
        XCTAssertEqual(
            EventIDFormat.uuidV7(milliseconds: 0, random: (0x0123_4567_89AB_CDEF, 0xFEDC_BA98_7654_3210)),
            "00000000-0000-7def-bedc-ba9876543210")
    }
}
