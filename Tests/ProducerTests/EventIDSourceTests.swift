import Foundation
import Synchronization
import XCTest

@testable import producer

/// Issue 29: event ids came from xoshiro256** behind a lock, and every `202` showed its output, so
/// one client could predict another's ids. They now carry the kernel's random bytes, drawn from a
/// buffer per thread.
final class EventIDSourceTests: XCTestCase {
    func testIDsCarryTheFilledBytesAndOneFillServes256IDs() {
        let fills = Atomic<Int>(0)
        let source = EventIDSource { buffer in
            fills.add(1, ordering: .relaxed)
            for index in buffer.indices { buffer[index] = UInt8(truncatingIfNeeded: index) }
        }
        let at = Date(timeIntervalSince1970: 0)
        // Little-endian words of bytes 0...7 and 8...15: 12 bits of the first, 62 of the second.
        XCTAssertEqual(source.next(at: at), "00000000-0000-7100-8f0e-0d0c0b0a0908")
        XCTAssertEqual(source.next(at: at), "00000000-0000-7110-9f1e-1d1c1b1a1918")
        for _ in 2..<1_000 { _ = source.next(at: at) }
        XCTAssertEqual(fills.load(ordering: .relaxed), 4, "4 KiB per fill, 16 bytes per id")
    }

    func testIDsFromManyThreadsAtOnceAreValidAndNeverRepeat() {
        let source = EventIDSource()
        let threads = 8
        let perThread = 20_000
        let results = Mutex<[[String]]>([])
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            let now = Date()
            let ids = (0..<perThread).map { _ in source.next(at: now) }
            results.withLock { $0.append(ids) }
        }
        let all = results.withLock { $0.flatMap { $0 } }
        XCTAssertEqual(all.count, threads * perThread)
        XCTAssertEqual(Set(all).count, all.count, "an id repeated")
        for id in all.prefix(1_000) {
            XCTAssertNotNil(
                id.wholeMatch(of: /[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}/), id)
        }
        // Each of the 62 low random bits is set in about half the ids.
        let lows = all.prefix(10_000).compactMap {
            UInt64($0.suffix(17).replacingOccurrences(of: "-", with: ""), radix: 16)
        }
        for bit in 0..<62 {
            let set = lows.filter { $0 & (1 << UInt64(bit)) != 0 }.count
            XCTAssertEqual(Double(set), 5_000, accuracy: 300, "bit \(bit)")
        }
    }
}
