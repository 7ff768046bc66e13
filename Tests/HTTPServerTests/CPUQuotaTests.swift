import XCTest

@testable import HTTPServer

/// Event loops follow the CPUs a container may use, not the host's cores.
final class CPUQuotaTests: XCTestCase {
    func testCgroupV2CPUMaxIsQuotaOverPeriodOrNoLimit() {
        XCTAssertNil(CPUQuota.cgroupV2(cpuMax: "max 100000\n"))
        XCTAssertEqual(CPUQuota.cgroupV2(cpuMax: "200000 100000\n"), 2)
        XCTAssertEqual(CPUQuota.cgroupV2(cpuMax: "150000 100000"), 1.5)
        XCTAssertEqual(CPUQuota.cgroupV2(cpuMax: "  50000   100000  \n"), 0.5)
    }

    func testCgroupV2GarbageIsNoLimit() {
        for garbage in [
            "", "\n", "max", "100000", "abc 100000", "100000 abc", "-5 100000", "100000 0", "100000 -1",
            "0 100000", "100000 100000 100000", "1e5 1e5", "max max", "\u{0}\u{0}", "２ 1",
        ] {
            XCTAssertNil(CPUQuota.cgroupV2(cpuMax: garbage), garbage.debugDescription)
        }
    }

    func testCgroupV1QuotaAndPeriod() {
        XCTAssertNil(CPUQuota.cgroupV1(quota: "-1\n", period: "100000\n"), "-1 is no limit")
        XCTAssertEqual(CPUQuota.cgroupV1(quota: "200000\n", period: "100000\n"), 2)
        XCTAssertEqual(CPUQuota.cgroupV1(quota: "25000", period: "100000"), 0.25)
        for (quota, period) in [
            ("x", "100000"), ("100000", "y"), ("100000", "0"), ("", ""), ("1 00", "100"), ("0", "100000"),
        ] {
            XCTAssertNil(CPUQuota.cgroupV1(quota: quota, period: period), "\(quota) / \(period)")
        }
    }

    func testCoresRoundTheTightestQuotaUpWithinTheAllowedCPUsAndAtLeastOne() {
        XCTAssertEqual(CPUQuota.cores(online: 64, allowed: nil, quotas: [2]), 2, "a 2-CPU container on 64 cores")
        XCTAssertEqual(CPUQuota.cores(online: 64, allowed: 64, quotas: [1.5]), 2, "rounded up")
        XCTAssertEqual(CPUQuota.cores(online: 64, allowed: 64, quotas: [0.1]), 1, "at least one")
        XCTAssertEqual(CPUQuota.cores(online: 64, allowed: 64, quotas: [8, 2.5]), 3, "the tightest of nested groups")
        XCTAssertEqual(CPUQuota.cores(online: 64, allowed: 4, quotas: []), 4, "sched_getaffinity")
        XCTAssertEqual(CPUQuota.cores(online: 64, allowed: 4, quotas: [16]), 4, "the affinity is tighter")
        XCTAssertEqual(CPUQuota.cores(online: 8, allowed: nil, quotas: [1e300]), 8, "a huge quota is the machine")
        XCTAssertEqual(CPUQuota.cores(online: 0, allowed: 0, quotas: []), 1, "unknown counts are one core")
        XCTAssertEqual(CPUQuota.cores(online: 6, allowed: -1, quotas: []), 6, "a failed affinity call is ignored")
    }

    func testThisMachinesCountIsWithinItsAllowedCPUs() {
        XCTAssertGreaterThanOrEqual(System.coreCount, 1)
        XCTAssertLessThanOrEqual(System.coreCount, System.allowedCPUs ?? Int.max)
    }
}
