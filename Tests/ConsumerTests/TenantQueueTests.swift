import Foundation
import HistoryQuery
import Synchronization
import XCTest

@testable import consumer

/// One site's flood of queries cannot hold the query threads' queue: each site gets half the
/// places at most, and sites are served in turn.
final class TenantQueueTests: XCTestCase {
    func testSitesAreServedInTurnAndEachInOrder() throws {
        var queue = TenantQueue<String>(capacity: 32)
        for index in 1...5 { try queue.append("a\(index)", tenant: "a.example") }
        try queue.append("b1", tenant: "b.example")
        try queue.append("b2", tenant: "b.example")
        try queue.append("c1", tenant: "c.example")
        var order: [String] = []
        while let job = queue.next() { order.append(job) }
        XCTAssertEqual(order, ["a1", "b1", "c1", "a2", "b2", "a3", "a4", "a5"])
        XCTAssertEqual(queue.count, 0)
        XCTAssertNil(queue.next())
    }

    func testOneSiteGetsHalfThePlacesAndTheOthersTheRest() throws {
        var queue = TenantQueue<Int>(capacity: 8)
        for index in 0..<4 { try queue.append(index, tenant: "flood.example") }
        XCTAssertThrowsError(try queue.append(4, tenant: "flood.example")) { error in
            XCTAssertEqual(error as? TenantQueue<Int>.Refusal, .tenantFull)
        }
        for index in 0..<4 { try queue.append(index, tenant: index < 2 ? "b.example" : "c.example") }
        XCTAssertThrowsError(try queue.append(9, tenant: "d.example")) { error in
            XCTAssertEqual(error as? TenantQueue<Int>.Refusal, .full)
        }
        // Once one of its jobs is taken, the site may queue another.
        XCTAssertEqual(queue.next(), 0)
        XCTAssertNoThrow(try queue.append(4, tenant: "flood.example"))
        XCTAssertEqual(queue.removeAll().count, 8)
        XCTAssertEqual(queue.count, 0)
    }

    /// Jobs that record what ran and what was refused; one of them may hold its thread until
    /// `release` is signalled.
    private final class Jobs: Sendable {
        let release = DispatchSemaphore(value: 0)
        let started = DispatchSemaphore(value: 0)
        let ran = Mutex<[String]>([])
        let refused = Mutex<[String: [QueryError]]>([:])

        func job(_ site: String, _ name: String = "", hold: Bool = false) -> QueryWorkers.Job {
            QueryWorkers.Job(
                tenant: site,
                run: { [self] in
                    if hold {
                        started.signal()
                        release.wait()
                    }
                    ran.withLock { $0.append(name) }
                },
                refuse: { [self] error in refused.withLock { $0[site, default: []].append(error) } })
        }
    }

    func testAFloodingSiteIsToldWhyAndAnotherSiteStillGetsIn() throws {
        // One thread, held by a job until released: the jobs behind it wait.
        let workers = QueryWorkers(count: 1, maxWait: .seconds(60))
        workers.start()
        defer { workers.shutdown() }
        let jobs = Jobs()
        XCTAssertNil(workers.submit(jobs.job("flood.example", "hold", hold: true)))
        XCTAssertEqual(jobs.started.wait(timeout: .now() + 10), .success)
        // 16 places for one thread (two pages' worth): the flooding site gets 8 of them.
        for index in 0..<8 { XCTAssertNil(workers.submit(jobs.job("flood.example", "flood\(index)"))) }
        XCTAssertEqual(workers.submit(jobs.job("flood.example", "flood8")), .siteBusy(site: "flood.example"))
        XCTAssertEqual(
            QueryError.siteBusy(site: "flood.example").description,
            "too many history queries of the site flood.example are waiting (half the places "
                + "QUERY_CONCURRENCY gives); retry in a moment")
        XCTAssertNil(workers.submit(jobs.job("other.example", "other")))
        jobs.release.signal()
        let deadline = Date().addingTimeInterval(10)
        while jobs.ran.withLock({ $0.count }) < 10 && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        // The other site's query waits for one of the flooding site's, not for all of them.
        XCTAssertEqual(jobs.ran.withLock { $0 }, ["hold", "flood0", "other"] + (1..<8).map { "flood\($0)" })
        XCTAssertEqual(jobs.refused.withLock { $0 }, [:])
    }

    func testEveryPlaceTakenIsBusyAndShutdownRefusesEachWaitingQueryOnce() throws {
        let workers = QueryWorkers(count: 1, maxWait: .seconds(60))
        workers.start()
        let jobs = Jobs()
        XCTAssertNil(workers.submit(jobs.job("a.example", "hold", hold: true)))
        XCTAssertEqual(jobs.started.wait(timeout: .now() + 10), .success)
        // 16 places at least (two pages of one site), 8 of them a site's.
        for site in ["a.example", "b.example"] {
            for _ in 0..<8 { XCTAssertNil(workers.submit(jobs.job(site))) }
        }
        XCTAssertEqual(workers.submit(jobs.job("c.example")), .busy)
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { jobs.release.signal() }
        workers.shutdown()
        workers.shutdown()
        // The held query ends; none of the 16 waiting ever runs, each is told once why.
        XCTAssertEqual(jobs.ran.withLock { $0 }, ["hold"])
        let stopping = QueryError.unavailable("the consumer is shutting down")
        XCTAssertEqual(
            jobs.refused.withLock { $0 },
            ["a.example": Array(repeating: stopping, count: 8), "b.example": Array(repeating: stopping, count: 8)])
        XCTAssertEqual(workers.submit(jobs.job("a.example")), stopping)
    }
}
