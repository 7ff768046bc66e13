import AnalyticsCore
import XCTest

final class EventValidatorTests: XCTestCase {
    let validator = EventValidator()

    private func validate(_ json: String) throws(EventValidationError) -> ValidatedEvent {
        try validator.validate(body: Array(json.utf8))
    }

    private func assertRejected(
        _ json: String, _ expected: EventValidationError, file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            let event = try validate(json)
            XCTFail("accepted \(event), expected \(expected)", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: line)
        }
    }

    func testTheFourSampleEventsAreAccepted() throws {
        let samples = [
            #"{"type":"page_view","user_id":"user123","session_id":"session456","url":"https://example.com/home","referrer":"https://google.com","user_agent":"Mozilla/5.0","metadata":{"load_time":1234}}"#,
            #"{"type":"click","user_id":"user123","session_id":"session456","url":"https://example.com/products","metadata":{"element":"buy-button"}}"#,
            #"{"type":"page_view","user_id":"user456","session_id":"session789","url":"https://example.com/about"}"#,
            #"{"type":"session","user_id":"user456","session_id":"session789","metadata":{"action":"start"}}"#,
        ]
        for sample in samples { XCTAssertNoThrow(try validate(sample), sample) }
    }

    func testFieldsAreCarriedOver() throws {
        let event = try validate(
            #"{"type":"page_view","user_id":"u","session_id":"s","url":"https://a.example/x?y=1","path":"/x","referrer":"","user_agent":"UA","ip_address":"2001:db8::1","timestamp":"2026-11-28T12:00:00+01:00","id":"0F8FAD5B-D9CB-469F-A165-70867728950E","metadata":{"k":[1,{"n":true}]}}"#
        )
        XCTAssertEqual(event.type, "page_view")
        XCTAssertEqual(event.userID, "u")
        XCTAssertEqual(event.sessionID, "s")
        XCTAssertEqual(event.url, "https://a.example/x?y=1")
        XCTAssertEqual(event.path, "/x")
        XCTAssertEqual(event.referrer, "")
        XCTAssertEqual(event.userAgent, "UA")
        XCTAssertEqual(event.ipAddress, "2001:db8::1")
        XCTAssertEqual(event.clientTimestamp, "2026-11-28T12:00:00+01:00")
        XCTAssertEqual(event.id, "0f8fad5b-d9cb-469f-a165-70867728950e")
        XCTAssertEqual(event.metadata?["k"], .array([.integer(1), .object(["n": .bool(true)])]))
    }

    func testNullFieldsCountAsAbsent() throws {
        let event = try validate(#"{"type":"click","user_id":null,"metadata":null}"#)
        XCTAssertNil(event.userID)
        XCTAssertNil(event.metadata)
    }

    func testBodyMustBeJSONObject() {
        assertRejected("", .invalidJSON("the body is empty"))
        assertRejected("[1]", .notAnObject)
        assertRejected("\"page_view\"", .notAnObject)
        do {
            _ = try validate("{\"type\":")
            XCTFail("accepted truncated JSON")
        } catch {
            guard case .invalidJSON = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.hasPrefix("request body is not valid JSON"))
        }
    }

    func testTypeIsRequiredAndFollowsTheNamingRule() throws {
        assertRejected("{}", .missingType)
        assertRejected(#"{"type":null}"#, .missingType)
        assertRejected(#"{"type":5}"#, .wrongType(field: "type", expected: "a string"))
        for bad in [
            "", "Page_view", "page-view", "1click", "_x", "café", String(repeating: "a", count: 65), "page view",
        ] {
            assertRejected(#"{"type":"\#(bad)"}"#, .invalidEventType(bad))
        }
        for good in [
            "page_view", "click", "session", "signup", "a", "checkout_step_2", String(repeating: "a", count: 64),
        ] {
            XCTAssertEqual(try validate(#"{"type":"\#(good)"}"#).type, good)
        }
    }

    func testIdentifiersAreAtMost128Characters() throws {
        for field in ["user_id", "session_id"] {
            let ok = String(repeating: "x", count: 128)
            XCTAssertNoThrow(try validate(#"{"type":"click","\#(field)":"\#(ok)"}"#))
            assertRejected(#"{"type":"click","\#(field)":"\#(ok)x"}"#, .tooLong(field: field, limit: 128))
            assertRejected(#"{"type":"click","\#(field)":12}"#, .wrongType(field: field, expected: "a string"))
        }
    }

    func testURLsAreAbsoluteHTTPAndAtMost2048Characters() throws {
        let longPath = String(repeating: "a", count: 2048 - "https://e.com/".count)
        XCTAssertNoThrow(try validate(#"{"type":"click","url":"https://e.com/\#(longPath)"}"#))
        assertRejected(#"{"type":"click","url":"https://e.com/\#(longPath)b"}"#, .tooLong(field: "url", limit: 2048))
        XCTAssertNoThrow(try validate(#"{"type":"click","url":"http://e.com"}"#))
        for bad in ["/home", "ftp://e.com/x", "javascript:alert(1)", "https://", "example.com/home"] {
            assertRejected(#"{"type":"click","url":"\#(bad)"}"#, .invalidURL(field: "url"))
        }
        assertRejected(#"{"type":"click","referrer":"not a url"}"#, .invalidURL(field: "referrer"))
        assertRejected(
            #"{"type":"click","referrer":"https://e.com/\#(longPath)b"}"#, .tooLong(field: "referrer", limit: 2048))
        XCTAssertNoThrow(try validate(#"{"type":"click","referrer":"https://www.google.com/search?q=x"}"#))
    }

    func testPathStartsWithSlashAndIsAtMost2048Characters() throws {
        XCTAssertNoThrow(try validate(#"{"type":"click","path":"/"}"#))
        assertRejected(#"{"type":"click","path":"home"}"#, .invalidPath)
        assertRejected(
            #"{"type":"click","path":"/\#(String(repeating: "p", count: 2048))"}"#, .tooLong(field: "path", limit: 2048)
        )
    }

    func testUserAgentIsAtMost512Characters() throws {
        XCTAssertNoThrow(try validate(#"{"type":"click","user_agent":"\#(String(repeating: "u", count: 512))"}"#))
        assertRejected(
            #"{"type":"click","user_agent":"\#(String(repeating: "u", count: 513))"}"#,
            .tooLong(field: "user_agent", limit: 512))
    }

    func testIPAddressMustParse() throws {
        for good in ["192.168.1.10", "::1", "2001:db8::8a2e:370:7334", "::ffff:10.0.0.1"] {
            XCTAssertNoThrow(try validate(#"{"type":"click","ip_address":"\#(good)"}"#), good)
        }
        for bad in ["256.1.1.1", "1.2.3", "localhost", "2001:db8:::1", "1.2.3.4 "] {
            assertRejected(#"{"type":"click","ip_address":"\#(bad)"}"#, .invalidIPAddress)
        }
    }

    /// `inet_pton` reads a C string, so everything after a NUL went unseen: an address followed by
    /// `\u0000` and any text passed as an address and was stored as it was sent.
    func testAnAddressFollowedByANULAndTextIsRejected() {
        assertRejected(#"{"type":"click","ip_address":"203.0.113.5\u0000<b>x</b>"}"#, .invalidIPAddress)
        assertRejected(#"{"type":"click","ip_address":"2001:db8::1\u0000"}"#, .invalidIPAddress)
    }

    func testIDMustBeAUUID() throws {
        assertRejected(#"{"type":"click","id":"abc"}"#, .invalidID)
        assertRejected(
            #"{"type":"click","id":"\#(String(repeating: "a", count: 129))"}"#, .tooLong(field: "id", limit: 128))
        XCTAssertEqual(
            try validate(#"{"type":"click","id":"6ba7b810-9dad-11d1-80b4-00c04fd430c8"}"#).id,
            "6ba7b810-9dad-11d1-80b4-00c04fd430c8")
    }

    func testTimestampMustBeRFC3339() throws {
        for good in ["2026-11-28T12:00:00Z", "2026-11-28T12:00:00.123456Z", "2026-11-28t12:00:00-05:30"] {
            XCTAssertNoThrow(try validate(#"{"type":"click","timestamp":"\#(good)"}"#), good)
        }
        for bad in [
            "2026-11-28", "2026-11-28 12:00", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "yesterday",
            "2026-11-28T12:00:00",
        ] {
            assertRejected(#"{"type":"click","timestamp":"\#(bad)"}"#, .invalidTimestamp)
        }
    }

    func testMetadataMustBeAnObjectWithinLimits() throws {
        assertRejected(#"{"type":"click","metadata":[1]}"#, .wrongType(field: "metadata", expected: "a JSON object"))
        assertRejected(#"{"type":"click","metadata":"x"}"#, .wrongType(field: "metadata", expected: "a JSON object"))

        let fiftyKeys = (0..<50).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        XCTAssertNoThrow(try validate(#"{"type":"click","metadata":{\#(fiftyKeys)}}"#))
        assertRejected(#"{"type":"click","metadata":{\#(fiftyKeys),"k50":1}}"#, .metadataTooManyKeys(limit: 50))

        XCTAssertNoThrow(try validate(#"{"type":"click","metadata":{"a":{"b":{"c":1}}}}"#))
        assertRejected(#"{"type":"click","metadata":{"a":{"b":{"c":{"d":1}}}}}"#, .metadataTooDeep(limit: 3))
        assertRejected(#"{"type":"click","metadata":{"a":[[[1]]]}}"#, .metadataTooDeep(limit: 3))

        let big = String(repeating: "x", count: 8 * 1024)
        assertRejected(#"{"type":"click","metadata":{"a":"\#(big)"}}"#, .metadataTooLarge(limit: 8192))
        XCTAssertNoThrow(try validate(#"{"type":"click","metadata":{"a":"\#(big.dropLast(20))"}}"#))
    }

    /// Issue 29: two page views with `load_time` 1e308 made every figure non-finite. Every number
    /// is now bounded where it enters, and the 400 names the field and the range.
    func testEveryNumberInMetadataIsBoundedAndTheErrorNamesIt() throws {
        let loadTime = EventValidationError.outOfRange(
            field: "metadata.load_time", range: "a number of milliseconds from 0 to 3600000")
        for bad in ["1.0e308", "-1", "3600000.5", "\"1234\"", "true", "{}"] {
            assertRejected(#"{"type":"page_view","metadata":{"load_time":\#(bad)}}"#, loadTime)
        }
        for good in ["0", "1234.5", "3600000", "null", "5e-324"] {
            XCTAssertNoThrow(try validate(#"{"type":"page_view","metadata":{"load_time":\#(good)}}"#), good)
        }
        let limit = "a number from -9007199254740991 to 9007199254740991"
        assertRejected(
            #"{"type":"click","metadata":{"cart":{"total":1e300}}}"#,
            .outOfRange(field: "metadata.cart.total", range: limit))
        assertRejected(
            #"{"type":"click","metadata":{"items":[1,-9007199254740992]}}"#,
            .outOfRange(field: "metadata.items[1]", range: limit))
        assertRejected(
            #"{"type":"click","metadata":{"count":9223372036854775807}}"#,
            .outOfRange(field: "metadata.count", range: limit))
        XCTAssertNoThrow(
            try validate(#"{"type":"click","metadata":{"a":9007199254740991,"b":-9007199254740991,"c":-0.5}}"#))
        let error = EventValidationError.outOfRange(field: "metadata.load_time", range: "a number from 0 to 1")
        XCTAssertEqual(error.field, "metadata.load_time")
        XCTAssertEqual(error.reason, "out_of_range")
        XCTAssertEqual(error.description, #""metadata.load_time" must be a number from 0 to 1"#)
    }

    func testAHostileMetadataKeyIsCutInTheErrorThatNamesIt() {
        let key = String(repeating: "k", count: 500)
        assertRejected(
            #"{"type":"click","metadata":{"\#(key)":1e20}}"#,
            .outOfRange(
                field: "metadata." + String(repeating: "k", count: 64) + "…",
                range: "a number from -9007199254740991 to 9007199254740991"))
    }

    func testErrorsNameTheirField() {
        XCTAssertEqual(EventValidationError.tooLong(field: "url", limit: 2048).field, "url")
        XCTAssertEqual(EventValidationError.metadataTooDeep(limit: 3).field, "metadata")
        XCTAssertNil(EventValidationError.notAnObject.field)
        XCTAssertEqual(
            EventValidationError.invalidIPAddress.description, "\"ip_address\" must be an IPv4 or IPv6 address")
    }
}
