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
            validated, context: RequestContext(remoteAddress: "10.1.2.3", userAgent: "Mozilla/5.0"),
            receivedAt: receivedAt, generatedID: id)
        XCTAssertEqual(event.id, "0f8fad5b-d9cb-469f-a165-70867728950e")
        XCTAssertEqual(event.timestamp, "2026-11-28T08:00:00.500Z")
        XCTAssertEqual(event.clientTimestamp, "2026-11-28T07:59:59Z")
        XCTAssertEqual(event.path, "/home")
        XCTAssertEqual(event.ipAddress, "10.1.2.3")
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
            validated, context: RequestContext(remoteAddress: "10.1.2.3", userAgent: "curl"), receivedAt: receivedAt,
            generatedID: id)
        XCTAssertEqual(event.id, "6ba7b810-9dad-11d1-80b4-00c04fd430c8")
        XCTAssertEqual(event.ipAddress, "192.0.2.1")
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
