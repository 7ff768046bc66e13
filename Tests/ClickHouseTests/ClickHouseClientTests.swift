import ClickHouse
import Foundation
import TestSupport
import XCTest

/// The client against a real ClickHouse (Debian's 18.16) started by the test: statements run,
/// hostile strings written as literals read back byte for byte, and each failure is told apart.
final class ClickHouseClientTests: ClickHouseTestCase {
    func testHostileStringsWrittenAsLiteralsReadBackByteForByte() throws {
        let client = try client()
        try client.execute("CREATE TABLE hostile (n UInt32, s String) ENGINE = Memory")
        let values = [
            "plain", "it's", #"back\slash"#, #"\'"#, "'); DROP TABLE hostile; --", "nul\u{0}inside", "new\nline\r\ttab",
            "caf\u{E9} \u{1F600} \u{10FFFF}", "%_like_%", "", "\u{7F}del",
        ]
        let rows = values.enumerated().map { "(\($0.offset), \(SQLLiteral.string($0.element)))" }.joined(
            separator: ", ")
        try client.execute("INSERT INTO hostile VALUES \(rows)")
        let hex = try client.text("SELECT n, hex(s) FROM hostile ORDER BY n FORMAT TabSeparated")
        let expected = values.enumerated().map { index, value in
            "\(index)\t" + value.utf8.map { String(format: "%02X", $0) }.joined()
        }
        XCTAssertEqual(
            hex.split(separator: "\n", omittingEmptySubsequences: false).dropLast().map(String.init), expected)
        XCTAssertEqual(try client.text("SELECT count() FROM hostile"), "\(values.count)\n", "the table is still there")
        // A LIKE pattern from SQLLiteral.containing matches % and _ literally.
        XCTAssertEqual(
            try client.text(
                "SELECT n FROM hostile WHERE s LIKE \(SQLLiteral.containing("%_like_%")) FORMAT TabSeparated"),
            "8\n")
        XCTAssertEqual(try client.text("SELECT count() FROM hostile WHERE s LIKE \(SQLLiteral.containing("_"))"), "1\n")
    }

    func testRowsGoInTheBodyAndTheStatementInTheURL() throws {
        let client = try client()
        try client.execute("CREATE TABLE rows (s String, n UInt64) ENGINE = Memory")
        // A "+" in the URL would be read as a space: the statement is strictly percent-encoded.
        let body = #"{"s":"a+b c&d=e","n":1}"# + "\n" + #"{"s":"'\\\u0000","n":2}"# + "\n"
        try client.execute("INSERT INTO rows FORMAT JSONEachRow", rows: Array(body.utf8))
        XCTAssertEqual(
            try client.text("SELECT n, hex(s) FROM rows WHERE s != 'x+y' ORDER BY n FORMAT TabSeparated"),
            "1\t" + "a+b c&d=e".utf8.map { String(format: "%02X", $0) }.joined() + "\n2\t275C00\n")
    }

    func testAWrongPasswordAServerErrorAndNoServerAreToldApart() throws {
        XCTAssertThrowsError(try client(password: "wrong-password-000").execute("SELECT 1")) { error in
            guard case .authenticationFailed(let user, _) = error as? ClickHouseError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(user, "writer")
            XCTAssertTrue("\(error)".contains("check CLICKHOUSE_USER and CLICKHOUSE_PASSWORD"), "\(error)")
            XCTAssertFalse("\(error)".contains("wrong-password-000"), "the password is never shown")
        }
        XCTAssertThrowsError(try client().execute("SELECT * FROM no_such_table")) { error in
            guard case .server(let code, let message) = error as? ClickHouseError else { return XCTFail("\(error)") }
            XCTAssertEqual(code, 60)
            XCTAssertTrue(message.contains("no_such_table"), message)
        }
        let port = try ClickHouseServer.freePort()
        let nowhere = ClickHouseClient(
            endpoint: ClickHouseEndpoint(url: try XCTUnwrap(URL(string: "http://127.0.0.1:\(port)"))), timeout: 5)
        XCTAssertFalse(nowhere.ping())
        XCTAssertThrowsError(try nowhere.execute("SELECT 1")) { error in
            guard case .unreachable = error as? ClickHouseError else { return XCTFail("\(error)") }
        }
        XCTAssertTrue(try client().ping())
    }

    func testEndpointSettingsAreCheckedStrictly() {
        XCTAssertNotNil(ClickHouseEndpoint.url("http://localhost:8123"))
        XCTAssertNotNil(ClickHouseEndpoint.url("https://clickhouse.internal"))
        XCTAssertNil(ClickHouseEndpoint.url("ftp://localhost"))
        XCTAssertNil(
            ClickHouseEndpoint.url("http://user:secret@localhost:8123"), "credentials go in their own settings")
        XCTAssertNil(ClickHouseEndpoint.url("http://localhost:8123/?database=x"))
        XCTAssertNil(ClickHouseEndpoint.url("localhost:8123"))
        XCTAssertTrue(ClickHouseEndpoint.isDatabaseName("analytics"))
        XCTAssertTrue(ClickHouseEndpoint.isDatabaseName("analytics_2"))
        XCTAssertFalse(ClickHouseEndpoint.isDatabaseName("2analytics"))
        XCTAssertFalse(ClickHouseEndpoint.isDatabaseName("a-b"))
        XCTAssertFalse(ClickHouseEndpoint.isDatabaseName("a; DROP DATABASE x"))
        XCTAssertFalse(ClickHouseEndpoint.isDatabaseName(""))
    }
}
