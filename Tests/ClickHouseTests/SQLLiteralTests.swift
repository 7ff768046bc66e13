import ClickHouse
import XCTest

/// Every value reaches SQL through `SQLLiteral`: the text it writes for hostile strings.
final class SQLLiteralTests: XCTestCase {
    func testQuotesAndBackslashesAreEscapedAndNothingEndsTheLiteral() {
        XCTAssertEqual(SQLLiteral.string("plain"), "'plain'")
        XCTAssertEqual(SQLLiteral.string("it's"), #"'it\'s'"#)
        XCTAssertEqual(SQLLiteral.string(#"back\slash"#), #"'back\\slash'"#)
        XCTAssertEqual(SQLLiteral.string("'); DROP TABLE events; --"), #"'\'); DROP TABLE events; --'"#)
        XCTAssertEqual(SQLLiteral.string(#"\'"#), #"'\\\''"#, "an escape of an escape stays inside")
        XCTAssertEqual(SQLLiteral.string("a\u{0}b\nc\rd\te\u{7F}"), #"'a\x00b\x0ac\x0dd\x09e\x7f'"#)
        XCTAssertEqual(SQLLiteral.string(""), "''")
    }

    func testUTF8IsKeptByteForByte() {
        XCTAssertEqual(SQLLiteral.string("caf\u{E9} \u{1F600}"), "'caf\u{E9} \u{1F600}'")
    }

    func testEveryLiteralHasNoUnescapedQuoteInside() {
        var generator = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [UInt8(ascii: "'"), UInt8(ascii: "\\"), 0, 10, 65, 0xC3, 0xA9]
        for _ in 0..<2_000 {
            let length = Int.random(in: 0..<40, using: &generator)
            let bytes: [UInt8] = (0..<length).map { _ in alphabet.randomElement(using: &generator) ?? 65 }
            let text = String(decoding: bytes, as: UTF8.self)
            let literal = Array(SQLLiteral.string(text).utf8)
            XCTAssertEqual(literal.first, UInt8(ascii: "'"))
            XCTAssertEqual(literal.last, UInt8(ascii: "'"))
            var index = 1
            while index < literal.count - 1 {
                let byte = literal[index]
                XCTAssertNotEqual(byte, UInt8(ascii: "'"), "an unescaped quote in \(text.debugDescription)")
                XCTAssertFalse(byte < 0x20 || byte == 0x7F, "a raw control byte in \(text.debugDescription)")
                index += byte == UInt8(ascii: "\\") ? 2 : 1
            }
            XCTAssertEqual(index, literal.count - 1, "the last quote is escaped in \(text.debugDescription)")
        }
    }

    func testContainsPatternsMatchPercentAndUnderscoreLiterally() {
        XCTAssertEqual(SQLLiteral.containing("/pricing"), "'%/pricing%'")
        XCTAssertEqual(SQLLiteral.containing("50%_off"), #"'%50\\%\\_off%'"#)
        XCTAssertEqual(SQLLiteral.containing("it's"), #"'%it\'s%'"#)
    }

    func testTheShapeOfAStatementIsItsTextWithEveryLiteralAQuestionMark() {
        let hostile = "x' OR '1'='1 \\' --"
        let sql = "SELECT 1 FROM t WHERE a = \(SQLLiteral.string(hostile)) AND b LIKE \(SQLLiteral.containing("50%_"))"
        XCTAssertEqual(SQLLiteral.shape(of: sql), "SELECT 1 FROM t WHERE a = ? AND b LIKE ?")
        XCTAssertNil(SQLLiteral.shape(of: "SELECT 'unterminated"))
        XCTAssertEqual(SQLLiteral.shape(of: "SELECT 1"), "SELECT 1")
    }
}
