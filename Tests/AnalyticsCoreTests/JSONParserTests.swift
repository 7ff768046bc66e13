import AnalyticsCore
import Foundation
import XCTest

final class JSONParserTests: XCTestCase {
    private func parse(_ text: String) throws -> JSONValue {
        try JSONParser.parse(Array(text.utf8))
    }

    private func assertInvalid(_ bytes: [UInt8], _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try JSONParser.parse(bytes), file: file, line: line) { error in
            let description = (error as? JSONParser.SyntaxError)?.description ?? "\(error)"
            XCTAssertTrue(
                description.contains(reason), "\(description) should mention \(reason)", file: file, line: line)
        }
    }

    private func assertInvalid(_ text: String, _ reason: String, file: StaticString = #filePath, line: UInt = #line) {
        assertInvalid(Array(text.utf8), reason, file: file, line: line)
    }

    func testValues() throws {
        XCTAssertEqual(try parse(" null "), .null)
        XCTAssertEqual(try parse("true"), .bool(true))
        XCTAssertEqual(try parse("false"), .bool(false))
        XCTAssertEqual(try parse("0"), .integer(0))
        XCTAssertEqual(try parse("-12"), .integer(-12))
        XCTAssertEqual(try parse("9223372036854775807"), .integer(.max))
        XCTAssertEqual(try parse("9223372036854775808"), .number(9_223_372_036_854_775_808))
        XCTAssertEqual(try parse("1.5e3"), .number(1500))
        XCTAssertEqual(try parse("-0.25"), .number(-0.25))
        XCTAssertEqual(
            try parse("[1,[2,{}],[]]"), .array([.integer(1), .array([.integer(2), .object([:])]), .array([])]))
        XCTAssertEqual(
            try parse(#"{"a":{"b":[true,null]},"c":"d"}"#),
            .object(["a": .object(["b": .array([.bool(true), .null])]), "c": .string("d")]))
    }

    func testStringEscapesAndUnicode() throws {
        XCTAssertEqual(try parse(#""a\"b\\c\/d\b\f\n\r\t""#), .string("a\"b\\c/d\u{8}\u{c}\n\r\t"))
        XCTAssertEqual(try parse(#""\u00e9\u4e2d""#), .string("é中"))
        XCTAssertEqual(try parse(#""\ud83d\ude00""#), .string("😀"))
        XCTAssertEqual(try parse("\"café 😀\""), .string("café 😀"))
    }

    func testStringsAreReadAlikeWhereverTheirSpecialBytesFall() throws {
        // Strings are scanned eight bytes at a time: put each kind of special byte at every
        // position of strings and keys of 0-20 bytes, and check the result against Foundation.
        let specials: [[UInt8]] = [
            Array(#"\""#.utf8), Array(#"\\"#.utf8), Array(#"\n"#.utf8), Array(#"\u00e9"#.utf8), Array("é".utf8),
            Array("€".utf8), [0x01], [0x1F], [0x7F], [0xFF], [0xC3], Array("\"".utf8),
        ]
        for length in 0...20 {
            for position in 0...length {
                for special in specials {
                    var text = [UInt8](repeating: UInt8(ascii: "a"), count: length)
                    text.insert(contentsOf: special, at: position)
                    for document in [
                        Array(#"{"k":""#.utf8) + text + Array(#""}"#.utf8),
                        Array(#"{""#.utf8) + text + Array(#"":1}"#.utf8),
                    ] {
                        let expected = try? JSONSerialization.jsonObject(with: Data(document)) as? NSDictionary
                        let parsed = try? JSONParser.parse(document)
                        XCTAssertEqual(
                            parsed.map { "\($0)" }, expected.map { Self.value(of: $0) }.map { "\($0)" },
                            "\(String(decoding: document, as: UTF8.self)) \(document)")
                    }
                }
            }
        }
    }

    /// Foundation's reading of the one-member documents above, as a `JSONValue`.
    private static func value(of dictionary: NSDictionary) -> JSONValue {
        var object: [String: JSONValue] = [:]
        for (key, value) in dictionary {
            guard let key = key as? String else { continue }
            object[key] = (value as? String).map { .string($0) } ?? .integer(1)
        }
        return .object(object)
    }

    func testInvalidDocumentsSayWhereAndWhy() {
        assertInvalid("", "unexpected end of input")
        assertInvalid("{", "end of input")
        assertInvalid(#"{"a":1,}"#, "expected a string key")
        assertInvalid("[1,]", "unexpected character ']'")
        assertInvalid("[1 2]", "expected ',' or ']'")
        assertInvalid("01", "leading zero")
        assertInvalid("1.", "digit expected after '.'")
        assertInvalid("1e", "digit expected in exponent")
        assertInvalid("1e999", "number out of range")
        assertInvalid("tru", "end of input")
        assertInvalid("nul!", "invalid literal")
        assertInvalid("{} x", "unexpected data after the JSON value at byte 3")
        assertInvalid("\"a\u{1}b\"", "control character")
        assertInvalid(#""\ud83d""#, "lone UTF-16 surrogate")
        assertInvalid(#""\ude00""#, "lone UTF-16 surrogate")
        assertInvalid(#""\x""#, "invalid escape")
        assertInvalid(#""\u12G4""#, #"invalid \u escape"#)
        assertInvalid("\"abc", "unterminated string")
        assertInvalid([0x22, 0xFF, 0xFE, 0x22], "not valid UTF-8")
        assertInvalid([0x22, 0x5C, 0x6E, 0xC3, 0x22], "not valid UTF-8")
        assertInvalid("// comment\n1", "unexpected character '/'")
        assertInvalid("NaN", "unexpected character 'N'")
    }

    func testNestingIsLimited() throws {
        XCTAssertNoThrow(try parse(String(repeating: "[", count: 64) + String(repeating: "]", count: 64)))
        assertInvalid(String(repeating: "[", count: 65) + String(repeating: "]", count: 65), "nesting deeper than 64")
        assertInvalid(String(repeating: "[", count: 100_000), "nesting deeper")
    }

    func testAgreesWithFoundationOnRealDocuments() throws {
        let documents = [
            #"{"type":"page_view","user_id":"user123","metadata":{"load_time":1234,"ratio":0.5,"tags":["a","b"],"ok":true,"none":null}}"#,
            #"[{"a":"\u00fc\n"},-1.25e-3,12345678901234]"#,
        ]
        for document in documents {
            let ours = try parse(document)
            var writer = JSONWriter()
            writer.value(ours)
            let reference = try JSONSerialization.jsonObject(with: Data(document.utf8), options: [.fragmentsAllowed])
            let roundTrip = try JSONSerialization.jsonObject(with: Data(writer.bytes), options: [.fragmentsAllowed])
            XCTAssertEqual(reference as? NSObject, roundTrip as? NSObject, document)
        }
    }

    /// Found by `make fuzz` (event-validation): `-3e2` parsed as a double was written as `-300`
    /// and read back as an integer.
    func testWholeDoublesKeepTheirTypeThroughAWriteAndRead() throws {
        for text in ["-3e2", "1.0", "1e3", "0.0", "-0.0", "1e300", "12345678901234567890"] {
            let value = try parse(text)
            var writer = JSONWriter()
            writer.value(value)
            XCTAssertEqual(try JSONParser.parse(writer.bytes), value, text)
        }
    }

    func testWriterEscapesAndSortsKeys() {
        var writer = JSONWriter()
        writer.value(
            .object([
                "b": .string("quote\" backslash\\ newline\n tab\t nul\u{0} /"), "a": .number(2.5), "c": .integer(-3),
                "d": .number(4),
            ]))
        XCTAssertEqual(
            String(decoding: writer.bytes, as: UTF8.self),
            #"{"a":2.5,"b":"quote\" backslash\\ newline\n tab\t nul\u0000 /","c":-3,"d":4.0}"#)
    }
}

final class WebURLTests: XCTestCase {
    func testParts() throws {
        let url = try XCTUnwrap(WebURL("HTTPS://user:pw@Shop.Example.com:8443/a/b%20c?q=1#top"))
        XCTAssertEqual(url.scheme, "https")
        XCTAssertEqual(url.host, "Shop.Example.com")
        XCTAssertEqual(url.path, "/a/b%20c")
        XCTAssertEqual(WebURL("http://example.com")?.path, "/")
        XCTAssertEqual(WebURL("http://example.com?x")?.path, "/")
        XCTAssertEqual(WebURL("http://[2001:db8::1]:8080/x")?.host, "[2001:db8::1]")
        XCTAssertEqual(WebURL("https://bücher.example/")?.host, "bücher.example")
        XCTAssertEqual(WebURL("HtTp://a.b/c")?.scheme, "http")
    }

    func testTrafficSourceIsTheLowercasedHostWithoutWWW() {
        let names: [(String?, String)] = [
            (nil, "direct"), ("", "direct"), ("not a url", "direct"), ("ftp://www.example.com/", "direct"),
            ("https://www.google.com/search?q=x", "google.com"), ("HTTPS://WWW.Google.COM", "google.com"),
            ("http://Www.example.com:8080/a", "example.com"),
            ("https://user:pw@News.YCombinator.com/item", "news.ycombinator.com"),
            ("https://www.", ""), ("https://wwwx.example/", "wwwx.example"), ("https://www2.example/", "www2.example"),
            ("http://[2001:DB8::1]:80/", "[2001:db8::1]"), ("https://WWW.Bücher.Example/", "bücher.example"),
            ("https://ÄRGER.example/", "ärger.example"),
            ("https://a-very-long-host-name.subdomain.example.org/", "a-very-long-host-name.subdomain.example.org"),
        ]
        for (referrer, name) in names {
            XCTAssertEqual(TrafficSource.name(forReferrer: referrer), name, referrer ?? "nil")
            // The same as the host of the parsed URL, lowercased, without a leading "www.".
            if let host = referrer.flatMap(WebURL.init)?.host.lowercased() {
                XCTAssertEqual(name, host.hasPrefix("www.") ? String(host.dropFirst(4)) : host)
            }
        }
        XCTAssertEqual(WebURL.path(of: "https://example.com/a/b?q#f"), "/a/b")
        XCTAssertEqual(WebURL.path(of: "https://example.com"), "/")
        XCTAssertNil(WebURL.path(of: "mailto:x@example.com"))
        XCTAssertTrue(WebURL.isValid("http://example.com"))
        XCTAssertFalse(WebURL.isValid("http://"))
    }

    func testRejectsWhatIsNotAnAbsoluteWebURL() {
        for text in [
            "", "/home", "example.com/home", "ftp://example.com/", "javascript:alert(1)", "https://", "https:///path",
            "https://exa mple.com/", "https://example.com/a b", "https://example.com:port/",
            "https://example.com:123456/",
            "https://[2001:db8::1/", "http:/example.com", "https://user@/x", "https://exa<mple.com/",
            "httpx://example.com/", "htt://example.com/", "hxxps://example.com/", "@ttp://example.com/",
        ] {
            XCTAssertNil(WebURL(text), text)
        }
    }
}
