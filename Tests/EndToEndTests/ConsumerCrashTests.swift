import Foundation
import TestSupport
import XCTest

/// The consumer is killed (SIGKILL, no chance to commit) while events stream in, then restarted.
final class ConsumerCrashTests: XCTestCase {
    func testAfterSIGKILLAndRestartTheTotalsEqualTheDistinctAcceptedEvents() throws {
        try XCTSkipUnless(Kcat.isInstalled, "kcat is required")
        let pipeline = Pipeline()
        defer { pipeline.stop() }
        try pipeline.startBroker()
        try pipeline.startProducer()
        let (first, firstPort) = try pipeline.startConsumer(statsInterval: 60)

        var accepted = Set<String>()
        func send(_ count: Int) throws {
            for index in 0..<count {
                let body =
                    #"{"type":"page_view","user_id":"user\#(index % 37)","session_id":"session\#(index % 11)","url":"https://example.com/p\#(index % 7)"}"#
                let response = try pipeline.post("/event", body)
                XCTAssertEqual(response.status, 202)
                if let id = response.json["id"] as? String { accepted.insert(id) }
            }
        }
        try send(300)
        // Killed mid-stream: some events applied, offsets partly committed, nothing flushed.
        XCTAssertTrue(
            Wait.until(timeout: 30) { (pipeline.analytics(port: firstPort)["total_events"] as? Int ?? 0) > 0 })
        first.signal(SIGKILL)
        XCTAssertEqual(first.waitForExit(timeout: 10), SIGKILL)
        try send(200)

        // The restarted consumer rebuilds its statistics from the topic and keeps counting.
        let (_, secondPort) = try pipeline.startConsumer(statsInterval: 60)
        try send(100)
        let stats = pipeline.waitForTotal(accepted.count, port: secondPort, timeout: 60)
        XCTAssertEqual(stats["total_events"] as? Int, accepted.count, pipeline.output)
        Thread.sleep(forTimeInterval: 2)
        let settled = pipeline.analytics(port: secondPort)
        XCTAssertEqual(settled["total_events"] as? Int, accepted.count, "counted twice after the restart")
        XCTAssertEqual(settled["duplicate_events"] as? Int, 0)
        XCTAssertEqual(settled["unique_users"] as? Int, 37)
        XCTAssertEqual((settled["events_by_type"] as? [String: Int])?["page_view"], 600)
    }
}
