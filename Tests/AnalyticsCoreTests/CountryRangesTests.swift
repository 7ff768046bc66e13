import AnalyticsCore
import Foundation
import XCTest

final class CountryRangesTests: XCTestCase {
    private let ipv4 = Array(
        """
        # a comment, as the IPFire export starts with
        16777216,16777471,AU
        16777472,16778239,??

        134217728,150994943,US\r
        1359101952,1359118335,GB
        """.utf8)
    private let ipv6 = Array(
        """
        # comment
        2001:4:112::,2001:4:112:ffff:ffff:ffff:ffff:ffff,US
        2a00:1450::,2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff,IE
        """.utf8)

    private func country(_ ranges: CountryRanges, _ address: String) -> String? {
        IPAddress(address).flatMap(ranges.country(of:))?.description
    }

    func testAddressesAreFoundInTheirRangesAndNowhereElse() throws {
        let ranges = try CountryRanges(ipv4: ipv4, ipv6: ipv6)
        XCTAssertEqual(ranges.ipv4Count, 3, "?? ranges are left out")
        XCTAssertEqual(ranges.ipv6Count, 2)
        XCTAssertEqual(country(ranges, "1.0.0.0"), "AU")
        XCTAssertEqual(country(ranges, "1.0.0.255"), "AU")
        XCTAssertNil(country(ranges, "1.0.1.0"), "a ?? range has no country")
        XCTAssertEqual(country(ranges, "8.8.8.8"), "US")
        XCTAssertEqual(country(ranges, "81.2.69.142"), "GB")
        XCTAssertNil(country(ranges, "81.2.128.0"), "past the last range's end")
        XCTAssertNil(country(ranges, "0.255.255.255"), "before the first range")
        XCTAssertEqual(country(ranges, "::ffff:8.8.4.4"), "US", "an IPv4-mapped address is its IPv4 address")
        XCTAssertEqual(country(ranges, "2001:4:112::1"), "US")
        XCTAssertEqual(country(ranges, "2a00:1450:4001::200e"), "IE")
        XCTAssertNil(country(ranges, "2a00:1451::1"))
        // Lookups go through 16-bit prefix buckets: a range starting in an earlier bucket still
        // holds the addresses of the later ones it spans, and a bucket's first address belongs to
        // the range before it.
        XCTAssertEqual(country(ranges, "8.255.255.255"), "US", "the last bucket a range spans")
        XCTAssertEqual(country(ranges, "8.128.0.0"), "US", "a bucket where no range starts")
        XCTAssertNil(country(ranges, "9.0.0.0"), "the bucket after a range's end")
        XCTAssertEqual(country(ranges, "81.2.64.0"), "GB", "a range's first address")
        XCTAssertNil(country(ranges, "81.2.63.255"), "the address before, in the same bucket")
        XCTAssertNil(country(ranges, "255.255.255.255"), "the last bucket")
        XCTAssertEqual(country(ranges, "2a00:1450:ffff:ffff:ffff:ffff:ffff:ffff"), "IE")
        XCTAssertNil(country(ranges, "2a00:144f:ffff::1"))
    }

    func testPrivateAndLoopbackAddressesHaveNoCountry() throws {
        // A range file that (wrongly) covered everything must still not place these.
        let ranges = try CountryRanges(
            ipv4: Array("0,4294967295,DE\n".utf8), ipv6: Array("::,ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff,DE\n".utf8))
        for address in [
            "127.0.0.1", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "169.254.1.1", "100.64.0.1",
            "0.0.0.0", "224.0.0.1", "::1", "::", "fd00::1", "fe80::1", "ff02::1",
        ] {
            XCTAssertNil(country(ranges, address), address)
        }
        for address in ["172.32.0.1", "100.128.0.1", "192.169.0.1", "8.8.8.8", "2001:db8::1", "fec0::1"] {
            XCTAssertEqual(country(ranges, address), "DE", address)
        }
    }

    func testDamagedFilesAreRefusedWithTheLine() {
        func error(_ v4: String, _ v6: String = "") -> CountryDataError? {
            do {
                _ = try CountryRanges(ipv4: Array(v4.utf8), ipv6: Array(v6.utf8))
                return nil
            } catch { return error }
        }
        XCTAssertEqual(error("1,2,DE\n3,4\n"), .malformedLine(file: "geoip", line: 2))
        XCTAssertEqual(error("1,2,de\n"), .malformedLine(file: "geoip", line: 1))
        XCTAssertEqual(error("5,4,DE\n"), .malformedLine(file: "geoip", line: 1))
        XCTAssertEqual(error("1,4294967296,DE\n"), .malformedLine(file: "geoip", line: 1))
        XCTAssertEqual(error("10,20,DE\n15,30,FR\n"), .unordered(file: "geoip", line: 2))
        XCTAssertEqual(error("", "2001::,nonsense,DE\n"), .malformedLine(file: "geoip6", line: 1))
        XCTAssertTrue(error("1,2,DE\n3,4\n")?.description.contains("line 2") ?? false)
    }

    /// The data `make run` and `make test` unpack from Debian's tor-geoipdb (scripts/geoip-data.sh).
    func testTheDefaultDataPlacesWellKnownAddresses() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../data/geoip")
        guard let v4 = FileManager.default.contents(atPath: folder.appendingPathComponent("geoip").path),
            let v6 = FileManager.default.contents(atPath: folder.appendingPathComponent("geoip6").path)
        else { throw XCTSkip("no data/geoip: run scripts/geoip-data.sh") }
        let ranges = try CountryRanges(ipv4: Array(v4), ipv6: Array(v6))
        XCTAssertGreaterThan(ranges.ipv4Count, 100_000)
        XCTAssertGreaterThan(ranges.ipv6Count, 100_000)
        XCTAssertEqual(country(ranges, "8.8.8.8"), "US")
        XCTAssertEqual(country(ranges, "81.2.69.142"), "GB")
        XCTAssertNil(country(ranges, "192.168.0.1"))
    }
}
