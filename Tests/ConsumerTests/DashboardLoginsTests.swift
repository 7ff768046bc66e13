import Foundation
import XCTest

@testable import consumer

/// The table of dashboard logins: random values, forged ones refused, expiry, a bounded count.
final class DashboardLoginsTests: XCTestCase {
    private let start = Date(timeIntervalSince1970: 1_800_000_000)

    func testAnOpenedLoginIsRecognisedAndItsValueIs256RandomBitsInHex() {
        let logins = DashboardLogins()
        let values = (0..<100).map { _ in logins.open(now: start) }
        XCTAssertEqual(Set(values).count, 100)
        for value in values {
            XCTAssertEqual(value.utf8.count, 64)
            XCTAssertTrue(value.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }, value)
            XCTAssertTrue(logins.isOpen(Array(value.utf8), now: start))
        }
    }

    func testForgedValuesAreRefused() {
        let logins = DashboardLogins()
        let value = logins.open(now: start)
        let lastDigit = value.last == "0" ? "1" : "0"
        let forged = [
            String(value.dropLast()) + lastDigit,  // the right selector, a wrong verifier
            String(value.prefix(32)) + String(repeating: "0", count: 32),
            String(repeating: "0", count: 64), value + "0", String(value.dropLast()), "", value.uppercased(),
        ]
        for candidate in forged { XCTAssertFalse(logins.isOpen(Array(candidate.utf8), now: start), candidate) }
        XCTAssertTrue(logins.isOpen(Array(value.utf8), now: start), "a wrong guess does not close the login")
    }

    func testALoginExpiresAfterItsLifetime() {
        let logins = DashboardLogins(lifetime: 3600)
        let value = Array(logins.open(now: start).utf8)
        XCTAssertTrue(logins.isOpen(value, now: start.addingTimeInterval(3599)))
        XCTAssertFalse(logins.isOpen(value, now: start.addingTimeInterval(3600)))
        XCTAssertEqual(logins.count, 0, "an expired login is forgotten")
    }

    func testBeyondItsCapacityTheOldestLoginIsForgotten() {
        let logins = DashboardLogins(capacity: 3)
        let values = (0..<4).map { Array(logins.open(now: start.addingTimeInterval(Double($0))).utf8) }
        XCTAssertEqual(logins.count, 3)
        XCTAssertFalse(logins.isOpen(values[0], now: start.addingTimeInterval(10)))
        for value in values.dropFirst() { XCTAssertTrue(logins.isOpen(value, now: start.addingTimeInterval(10))) }
    }

    /// A site's token opening logins over and over forgets its own oldest logins, never the
    /// operator's or another site's.
    func testLoginsOfOneGrantMakeRoomAmongThemselves() {
        let logins = DashboardLogins(capacity: 3)
        let operatorLogin = Array(logins.open(.everything, now: start).utf8)
        let other = Array(logins.open(.site("blog.example"), now: start.addingTimeInterval(1)).utf8)
        for index in 0..<20 { _ = logins.open(.site("shop.example"), now: start.addingTimeInterval(Double(2 + index))) }
        XCTAssertEqual(logins.count, 3)
        XCTAssertEqual(logins.grant(of: operatorLogin, now: start.addingTimeInterval(30)), .everything)
        XCTAssertEqual(logins.grant(of: other, now: start.addingTimeInterval(30)), .site("blog.example"))
    }

    func testExpiredLoginsMakeRoomBeforeLiveOnesAreEvicted() {
        let logins = DashboardLogins(lifetime: 100, capacity: 2)
        _ = logins.open(now: start)
        let live = Array(logins.open(now: start.addingTimeInterval(50)).utf8)
        _ = logins.open(now: start.addingTimeInterval(120))
        XCTAssertTrue(logins.isOpen(live, now: start.addingTimeInterval(120)))
    }

    func testAClosedLoginIsForgotten() {
        let logins = DashboardLogins()
        let value = Array(logins.open(now: start).utf8)
        logins.close(value)
        XCTAssertFalse(logins.isOpen(value, now: start))
    }
}
