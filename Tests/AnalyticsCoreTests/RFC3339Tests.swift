import AnalyticsCore
import Foundation
import XCTest

final class RFC3339Tests: XCTestCase {
    func testParsesOffsetsAndFractions() throws {
        let utc = try XCTUnwrap(RFC3339.parse("2026-11-28T12:00:00Z"))
        XCTAssertEqual(utc.timeIntervalSince1970, 1_795_867_200)
        XCTAssertEqual(RFC3339.parse("2026-11-28T13:30:00+01:30"), utc)
        XCTAssertEqual(
            RFC3339.parse("2026-11-28T12:00:00.250Z")?.timeIntervalSince1970, utc.timeIntervalSince1970 + 0.25)
        XCTAssertEqual(RFC3339.parse("2024-02-29T00:00:00Z")?.timeIntervalSince1970, 1_709_164_800)
        XCTAssertNil(RFC3339.parse("2023-02-29T00:00:00Z"))
        XCTAssertNil(RFC3339.parse("2026-11-28T24:00:00Z"))
        XCTAssertNil(RFC3339.parse("2026-11-28T12:00:00.Z"))
        XCTAssertNil(RFC3339.parse("2026-11-28T12:00:00+0100"))
    }

    func testFormatsUTC() {
        let date = Date(timeIntervalSince1970: 1_795_852_800.125)
        XCTAssertEqual(RFC3339.formatWithMilliseconds(date), "2026-11-28T08:00:00.125Z")
        XCTAssertEqual(RFC3339.formatSeconds(date), "2026-11-28T08:00:00Z")
        XCTAssertEqual(RFC3339.formatSeconds(Date(timeIntervalSince1970: 0)), "1970-01-01T00:00:00Z")
        XCTAssertEqual(RFC3339.formatSeconds(Date(timeIntervalSince1970: 951_782_400)), "2000-02-29T00:00:00Z")
    }

    func testRoundTripsAcrossYears() {
        for seconds in stride(from: -86_400 * 400, to: 86_400 * 365 * 80, by: 86_400 * 37 + 3_671) {
            let date = Date(timeIntervalSince1970: Double(seconds))
            XCTAssertEqual(RFC3339.parse(RFC3339.formatSeconds(date)), date)
        }
    }
}
