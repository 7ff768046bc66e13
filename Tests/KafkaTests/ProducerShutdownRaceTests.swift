import Dispatch
import Foundation
import Logging
import Synchronization
import XCTest

@testable import Kafka

/// `shutdown` while other threads are sending: every record `send` accepted has its completion
/// run exactly once by the time `shutdown` returns. Against the development broker.
final class ProducerShutdownRaceTests: XCTestCase {
    private let logger = Logger(label: "kafka-shutdown-race-tests")

    /// How each record `send` was called for ended: accepted (with completions run) or refused.
    /// An NSLock, not a Mutex: the thread sanitizer cannot see a contended Mutex's futex.
    private final class Tally: @unchecked Sendable {
        private let lock = NSLock()
        private var acceptedIDs: Set<Int> = []
        private var completionCounts: [Int: Int] = [:]
        let refused = Atomic<Int>(0)

        func accept(_ id: Int) { lock.withLock { _ = acceptedIDs.insert(id) } }
        func complete(_ id: Int) { lock.withLock { completionCounts[id, default: 0] += 1 } }
        var accepted: Set<Int> { lock.withLock { acceptedIDs } }
        var completions: [Int: Int] { lock.withLock { completionCounts } }
    }

    func testEverySendAcceptedDuringShutdownIsCompletedExactlyOnce() throws {
        let cluster = try DevelopmentCluster(logger: logger)
        try cluster.createTopic("shutdown-race", partitions: 2)
        let slowSendEntered = DispatchSemaphore(value: 0)
        // One record in four from one sender lingers between the shutdown check and the enqueue
        // long enough for a shutdown that does not wait for it to finish first.
        let producer = try KafkaProducer(
            configuration: testProducerConfiguration(cluster.bootstrapServers, linger: 0), logger: logger
        ) { message in
            guard message.key == Array("slow".utf8) else { return }
            slowSendEntered.signal()
            Thread.sleep(forTimeInterval: 0.3)
        }
        XCTAssertTrue(producer.checkBrokers(topic: "shutdown-race"))
        let tally = Tally()
        let senders = DispatchGroup()
        for sender in 0..<4 {
            DispatchQueue.global().async(group: senders) {
                for index in 0..<1_000_000 {
                    let id = sender * 1_000_000 + index
                    let slow = sender == 0 && index % 4 == 3
                    let message = KafkaOutgoingMessage(
                        topic: "shutdown-race", key: Array((slow ? "slow" : "fast").utf8), value: Array("\(id)".utf8))
                    do {
                        try producer.send(message) { _ in tally.complete(id) }
                        tally.accept(id)
                    } catch {
                        tally.refused.add(1, ordering: .relaxed)
                        return
                    }
                }
            }
        }
        // Shut down while the slow record sits between the check and the enqueue.
        slowSendEntered.wait()
        slowSendEntered.wait()
        producer.shutdown(timeout: .seconds(10))
        senders.wait()

        let accepted = tally.accepted
        let completions = tally.completions
        XCTAssertEqual(tally.refused.load(ordering: .relaxed), 4, "every sender ends refused by the shutdown")
        XCTAssertGreaterThan(accepted.count, 4, "too little was sent to mean anything")
        XCTAssertEqual(
            accepted.subtracting(completions.keys).sorted(), [], "accepted records whose completion never ran")
        XCTAssertEqual(completions.filter { $0.value != 1 }, [:], "completions that ran more than once")
        XCTAssertEqual(Set(completions.keys).subtracting(accepted).sorted(), [], "completions of refused records")
    }
}
