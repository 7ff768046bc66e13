import Foundation
import ServiceRuntime
import Synchronization
import XCTest

/// The hand-over between the consume loop's decoding and applying threads: order is the
/// statistics' correctness (a partition's offsets must be applied in order), the bound is memory.
final class BatchHandoffTests: XCTestCase {
    func testBatchesArriveInOrderWithNeverMoreThanCapacityWaiting() {
        let capacity = 3
        let handoff = BatchHandoff<Int>(capacity: capacity)
        let handedOver = Atomic<Int>(0)
        let producer = Thread {
            for value in 0..<20_000 {
                handoff.put(value)
                handedOver.add(1, ordering: .sequentiallyConsistent)
            }
            handoff.finish()
        }
        producer.start()
        var taken: [Int] = []
        var mostWaiting = 0
        while let value = handoff.take() {
            taken.append(value)
            // Put but not yet taken, seen from here: at most the capacity.
            mostWaiting = max(mostWaiting, handedOver.load(ordering: .sequentiallyConsistent) - taken.count)
        }
        XCTAssertEqual(taken, Array(0..<20_000))
        XCTAssertLessThanOrEqual(mostWaiting, capacity)
    }

    func testTakeReturnsNilOnlyAfterEverythingBeforeFinish() {
        let handoff = BatchHandoff<String>(capacity: 2)
        handoff.put("a")
        handoff.put("b")
        let finished = Thread { handoff.finish() }  // waits for room: the queue is full
        finished.start()
        XCTAssertEqual(handoff.take(), "a")
        XCTAssertEqual(handoff.take(), "b")
        XCTAssertNil(handoff.take())
    }
}
