import ClickHouse
import Foundation
import TestSupport
import XCTest

/// Rows travel to ClickHouse as TabSeparated data: escaped as the format reads them back, and read
/// back byte for byte by a real server.
final class TabSeparatedWriterTests: ClickHouseTestCase {
    private func text(_ writer: TabSeparatedWriter) -> String { String(decoding: writer.bytes, as: UTF8.self) }

    func testFieldsAreSeparatedByTabsAndRowsEndInNewlines() {
        var writer = TabSeparatedWriter()
        writer.field("a")
        writer.field(UInt64.max)
        writer.field(-3)
        writer.endRow()
        writer.field("b")
        writer.endRow()
        XCTAssertEqual(text(writer), "a\t18446744073709551615\t-3\nb\n")
    }

    func testTheFormatsSpecialBytesAreEscapedAndEverythingElseTravelsAsItIs() {
        var writer = TabSeparatedWriter()
        writer.field("back\\slash\ttab\nline\rreturn\u{0}nul 'quote' \"double\" 😀")
        writer.endRow()
        XCTAssertEqual(text(writer), "back\\\\slash\\ttab\\nline\\rreturn\\0nul 'quote' \"double\" 😀\n")
    }

    func testAMissingOrNonFiniteNumberIsNull() {
        var writer = TabSeparatedWriter()
        for value in [nil, .nan, .infinity, -.infinity, 2.5] as [Double?] { writer.field(value) }
        writer.endRow()
        XCTAssertEqual(text(writer), "\\N\t\\N\t\\N\t\\N\t2.5\n")
    }

    func testRemoveAllAndRawRowsStartAFreshRow() {
        var writer = TabSeparatedWriter()
        writer.field("dropped")
        writer.removeAll()
        writer.field("kept")
        writer.endRow()
        var other = TabSeparatedWriter()
        other.append(rawRow: writer.bytes[...])
        other.field("next")
        other.endRow()
        XCTAssertEqual(text(other), "kept\nnext\n")
    }

    func testHostileStringsComeBackFromClickHouseByteForByte() throws {
        let client = try client()
        try client.execute(
            "CREATE TABLE tsv_round_trip (n UInt32, s String, d Nullable(Float64)) ENGINE = MergeTree ORDER BY n")
        let hostile = [
            "it's", "\"quoted\"", "back\\slash", "tab\there", "new\nline", "carriage\rreturn", "nul\u{0}byte",
            "'); DROP TABLE tsv_round_trip; --", "😀 4-byte", "\\N", "\\t literal", "", "\u{1}\u{7f}",
        ]
        var writer = TabSeparatedWriter()
        for (index, value) in hostile.enumerated() {
            writer.field(index)
            writer.field(value)
            writer.field(index % 2 == 0 ? Double(index) / 4 : nil)
            writer.endRow()
        }
        try client.execute("INSERT INTO tsv_round_trip (n, s, d) FORMAT TabSeparated", rows: writer.bytes)
        let answer = try client.text(
            "SELECT n, hex(s), ifNull(d, -1) FROM tsv_round_trip ORDER BY n FORMAT TabSeparated")
        let expected = hostile.enumerated().map { index, value in
            let number = index % 2 == 0 ? Double(index) / 4 : -1
            return
                "\(index)\t\(value.utf8.map { String(format: "%02X", $0) }.joined())\t\(Self.clickHouseNumber(number))\n"
        }.joined()
        XCTAssertEqual(answer, expected)
    }

    private static func clickHouseNumber(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
