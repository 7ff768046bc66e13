import AnalyticsCore
import XCTest

@testable import producer

final class ClientRateLimiterTests: XCTestCase {
    let client = IPAddress("198.51.100.7")!

    func testABurstThenTheRateThenRetryAfterTheDeficit() {
        let limiter = ClientRateLimiter(ratePerSecond: 2, burst: 4, capacity: 64)
        for _ in 0..<4 { XCTAssertEqual(limiter.admit(client, cost: 1, now: 100), .allowed) }
        XCTAssertEqual(limiter.admit(client, cost: 1, now: 100), .limited(retryAfterSeconds: 1))
        XCTAssertEqual(limiter.admit(client, cost: 1, now: 100.5), .allowed, "half a second refills one token")
        XCTAssertEqual(limiter.admit(client, cost: 3, now: 100.5), .limited(retryAfterSeconds: 2))
        XCTAssertEqual(limiter.admit(IPAddress("198.51.100.8")!, cost: 1, now: 100.5), .allowed, "per address")
        XCTAssertEqual(limiter.admit(client, cost: 1, now: 1000), .allowed, "refilled, never above the burst")
    }

    func testABatchLargerThanTheBurstPassesOnAFullBucketAndLeavesADebt() {
        let limiter = ClientRateLimiter(ratePerSecond: 10, burst: 20, capacity: 64)
        XCTAssertEqual(limiter.admit(client, cost: 100, now: 0), .allowed)
        XCTAssertEqual(limiter.admit(client, cost: 1, now: 0), .limited(retryAfterSeconds: 9))
        XCTAssertEqual(limiter.admit(client, cost: 1, now: 8.1), .allowed)
    }

    /// Issue 29: an IPv6 client rotating through its /64 got a full burst for every address.
    func testAnIPv6ClientIsItsNetworkOfTheConfiguredPrefix() throws {
        let limiter = ClientRateLimiter(ratePerSecond: 1, burst: 2, capacity: 64)
        for host in 1...2 {
            XCTAssertEqual(limiter.admit(try XCTUnwrap(IPAddress("2001:db8:1:2::\(host)")), cost: 1, now: 0), .allowed)
        }
        let rotated = try XCTUnwrap(IPAddress("2001:db8:1:2:ffff:1234:5678:9abc"))
        XCTAssertEqual(limiter.admit(rotated, cost: 1, now: 0), .limited(retryAfterSeconds: 1), "the same /64")
        XCTAssertEqual(limiter.admit(try XCTUnwrap(IPAddress("2001:db8:1:3::1")), cost: 1, now: 0), .allowed)
        let perAddress = ClientRateLimiter(ratePerSecond: 1, burst: 1, capacity: 64, ipv6Prefix: 128)
        XCTAssertEqual(perAddress.admit(try XCTUnwrap(IPAddress("2001:db8::1")), cost: 1, now: 0), .allowed)
        XCTAssertEqual(perAddress.admit(try XCTUnwrap(IPAddress("2001:db8::2")), cost: 1, now: 0), .allowed)
        let wide = ClientRateLimiter(ratePerSecond: 1, burst: 1, capacity: 64, ipv6Prefix: 48)
        XCTAssertEqual(wide.admit(try XCTUnwrap(IPAddress("2001:db8:1:1::1")), cost: 1, now: 0), .allowed)
        XCTAssertEqual(
            wide.admit(try XCTUnwrap(IPAddress("2001:db8:1:2::1")), cost: 1, now: 0), .limited(retryAfterSeconds: 1))
        XCTAssertEqual(wide.admit(client, cost: 1, now: 0), .allowed, "IPv4 stays per address")
    }

    func testASprayOfAddressesNeverGrowsTheTableAndKeepsTheBusiestClients() {
        let limiter = ClientRateLimiter(ratePerSecond: 1, burst: 2, capacity: 256)
        XCTAssertEqual(limiter.capacity, 256)
        XCTAssertEqual(limiter.admit(client, cost: 2, now: 0), .allowed)
        for index in 0..<100_000 {
            let address = IPAddress("10.\((index >> 16) & 255).\((index >> 8) & 255).\(index & 255)")!
            _ = limiter.admit(address, cost: 1, now: 0.001)
        }
        XCTAssertEqual(limiter.capacity, 256, "fixed size")
        // The emptied bucket is the one least refilled in its set, so fresh addresses replaced others.
        XCTAssertEqual(limiter.admit(client, cost: 1, now: 0.002), .limited(retryAfterSeconds: 1))
    }
}

final class HostAllowListTests: XCTestCase {
    func testExactHostsAndWildcardSubdomains() throws {
        let list = HostAllowList(
            patterns: try ["Example.com", "*.shop.example"].map { try XCTUnwrap(HostAllowList.pattern($0)) })
        XCTAssertTrue(list.allows("example.com"))
        XCTAssertFalse(list.allows("www.example.com"))
        XCTAssertTrue(list.allows("eu.shop.example"))
        XCTAssertTrue(list.allows("a.b.shop.example"))
        XCTAssertFalse(list.allows("shop.example"), "*.x is subdomains only; list x too")
        XCTAssertFalse(list.allows("evilshop.example"))
        XCTAssertEqual(list.description, "example.com,*.shop.example")
        XCTAssertTrue(HostAllowList().allows("anything.example"))
        for bad in ["*", "*.", "exa mple.com", "https://example.com", ".example.com", "example.com/"] {
            XCTAssertNil(HostAllowList.pattern(bad), bad)
        }
    }
}
