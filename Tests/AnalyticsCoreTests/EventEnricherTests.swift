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
            receivedAt: receivedAt, generatedID: id)
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
            generatedID: id)
        XCTAssertEqual(event.id, "6ba7b810-9dad-11d1-80b4-00c04fd430c8")
        XCTAssertEqual(event.ipAddress, "192.0.2.0")
        XCTAssertEqual(event.userAgent, "Custom")
        XCTAssertEqual(event.path, "/explicit")
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
            validated, context: RequestContext(), receivedAt: receivedAt, generatedID: id)
        let json = String(decoding: EventCodec().encode(event), as: UTF8.self)
        XCTAssertEqual(
            json,
            #"{"id":"0f8fad5b-d9cb-469f-a165-70867728950e","metadata":{"load_time":1234},"path":"/home","session_id":"session456","timestamp":"2026-11-28T08:00:00.500Z","type":"page_view","url":"https://example.com/home","user_id":"user123"}"#
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

    private func decode(_ json: String) throws -> AnalyticsEvent { try codec.decode(Array(json.utf8)) }

    private func detail(_ json: String) -> String? {
        do {
            _ = try decode(json)
            return nil
        } catch {
            return (error as? RecordDecodingError)?.description
        }
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
            let lean = try bytes.withUnsafeBytes { try codec.decodeStamped($0, keepingMetadata: false) }
            let full = try bytes.withUnsafeBytes { try codec.decodeStamped($0) }
            XCTAssertEqual(lean.loadTime, expected, members)
            XCTAssertEqual(full.event.metadata?["load_time"]?.doubleValue, expected, members)
            XCTAssertNil(lean.event.metadata, members)
            XCTAssertNil(full.loadTime, members)
            var withoutMetadata = full.event
            withoutMetadata.metadata = nil
            XCTAssertEqual(lean.event, withoutMetadata, members)
        }
        let notAnObject = Array(("{" + base + #", "metadata": [1]}"#).utf8)
        XCTAssertThrowsError(try notAnObject.withUnsafeBytes { try codec.decodeStamped($0, keepingMetadata: false) }) {
            XCTAssertEqual($0 as? RecordDecodingError, .notAnEvent("\"metadata\" is not an object"))
        }
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

final class EventIDGeneratorTests: XCTestCase {
    func testIDsAreVersion7UUIDsThatSortByTime() throws {
        var generator = EventIDGenerator(seed: (1, 2, 3, 4))
        let first = generator.next(milliseconds: 1_795_867_200_000)
        let second = generator.next(milliseconds: 1_795_867_200_001)
        XCTAssertNotNil(
            first.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/), first)
        XCTAssertTrue(first.hasPrefix("01a2"))
        XCTAssertLessThan(first, second)
        XCTAssertNotNil(UUID(uuidString: first))
    }

    func testIDsDoNotRepeat() {
        var generator = EventIDGenerator()
        var seen = Set<String>()
        for _ in 0..<100_000 { seen.insert(generator.next(milliseconds: 42)) }
        XCTAssertEqual(seen.count, 100_000)
    }
}
