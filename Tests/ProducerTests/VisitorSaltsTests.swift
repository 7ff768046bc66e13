import AnalyticsCore
import Dispatch
import Foundation
import Kafka
import Logging
import XCTest

@testable import producer

/// The day's salt as each thread reads it (a copy per thread, no lock): the agreed one, and the
/// next day's from the first second of that day, also on a thread that read the day before.
final class VisitorSaltsTests: XCTestCase {
    func testEveryThreadReadsTheAgreedSaltOfEachDayAcrossMidnight() throws {
        let logger = Logger(label: "visitor-salts-tests")
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("salts", partitions: 1)
        let salts = try VisitorSalts(
            client: KafkaClientConfiguration(bootstrapServers: cluster.bootstrapServers, clientID: "salts-test"),
            topic: "salts", logger: logger)
        defer { salts.shutdown(timeout: .seconds(5)) }
        XCTAssertTrue(salts.start(waitingUpTo: .seconds(30)), "today's salt was not agreed")
        let now = Date()
        // Tomorrow's is settled ahead of midnight.
        let tomorrow = RFC3339.intervalStart(now, seconds: 86_400) + 86_400
        let midnight = Date(timeIntervalSince1970: TimeInterval(tomorrow))
        let deadline = ContinuousClock.now + .seconds(30)
        while salts.salt(at: midnight) == nil && ContinuousClock.now < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let today = try XCTUnwrap(salts.salt(at: now))
        let next = try XCTUnwrap(salts.salt(at: midnight))
        XCTAssertEqual(today.day, RFC3339.day(now))
        XCTAssertEqual(next.day, RFC3339.day(midnight))
        XCTAssertNotEqual(today.key, next.key)

        // An NSLock, not a Mutex: the thread sanitizer cannot see a contended Mutex's futex.
        let lock = NSLock()
        nonisolated(unsafe) var seen: [[VisitorSalt]] = []
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            var answers: [VisitorSalt] = []
            for _ in 0..<1000 {
                // The second before midnight, then midnight: the day changes under a thread's copy.
                answers.append(salts.salt(at: midnight.addingTimeInterval(-1)) ?? VisitorSalt.random(day: "none"))
                answers.append(salts.salt(at: midnight) ?? VisitorSalt.random(day: "none"))
            }
            lock.withLock { seen.append(answers) }
        }
        for answers in seen {
            for pair in stride(from: 0, to: answers.count, by: 2) {
                XCTAssertEqual(answers[pair], today)
                XCTAssertEqual(answers[pair + 1], next)
            }
        }
    }
}
