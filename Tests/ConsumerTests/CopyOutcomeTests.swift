import Dispatch
import Kafka
import Synchronization
import XCTest

@testable import consumer

/// A dead-letter copy is settled once: by its delivery report or by the wait timing out, never
/// both (they used to write the same field from two threads).
final class CopyOutcomeTests: XCTestCase {
    func testTheFirstOutcomeWinsAndALateReportIsIgnored() {
        let outcome = CopyOutcome()
        XCTAssertNil(outcome.result)
        XCTAssertTrue(outcome.settle(.failure(.deliveryFailed(code: -1, message: "no delivery report within 15 s"))))
        XCTAssertFalse(outcome.settle(.success(())), "a report after the timeout")
        guard case .failure(.deliveryFailed(-1, _, _)) = outcome.result else {
            return XCTFail("\(String(describing: outcome.result))")
        }
    }

    func testRacingOutcomesSettleExactlyOnce() {
        for _ in 0..<200 {
            let outcome = CopyOutcome()
            let taken = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 2) { index in
                let result: Result<Void, KafkaError> = index == 0 ? .success(()) : .failure(.queueFull)
                if outcome.settle(result) { taken.add(1, ordering: .relaxed) }
            }
            XCTAssertEqual(taken.load(ordering: .relaxed), 1)
            XCTAssertNotNil(outcome.result)
        }
    }
}
