import Foundation
import TestSupport
import XCTest

@testable import consumer

/// The writer's deduplication window resumes from the `sipHash64(id)` of stored rows, so its own
/// hash of an id must be ClickHouse's, byte for byte.
final class HistoryIDHashTests: XCTestCase {
    private let ids = [
        "", "abc", "0f8fad5b-d9cb-469f-a165-70867728950e", "emoji 😀 and ü", String(repeating: "long id ", count: 40),
        "nul\u{0}byte", "1234567", "12345678", "123456789abcdef",
    ]

    func testAKnownValue() {
        XCTAssertEqual(HistoryIngest.idHash("abc"), 4_596_069_200_710_135_518)
    }

    func testTheHashIsClickHousesSipHash64() throws {
        try XCTSkipUnless(ClickHouseServer.isInstalled, "clickhouse-server is required (make test installs it)")
        let server = try ClickHouseServer()
        try server.start()
        defer { server.stop() }
        for id in ids {
            let literal = "unhex('" + id.utf8.map { String(format: "%02X", $0) }.joined() + "')"
            let answer = try server.query("SELECT sipHash64(\(literal))").trimmingCharacters(in: .newlines)
            XCTAssertEqual(UInt64(answer), HistoryIngest.idHash(id), id)
        }
    }
}
