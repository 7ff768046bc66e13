import XCTest

@testable import AnalyticsCore

final class HyperLogLogTests: XCTestCase {
    func testExactWhileSmall() {
        var sketch = HyperLogLog(exactLimit: 2048)
        for index in 0..<2000 {
            sketch.insert("user-\(index)")
            sketch.insert("user-\(index)")
        }
        XCTAssertEqual(sketch.count, 2000)
    }

    func testErrorWithinThreeStandardErrorsOnAMillionIDs() {
        var sketch = HyperLogLog()
        for index in 0..<1_000_000 { sketch.insert("user-\(index)") }
        let error = abs(Double(sketch.count) - 1_000_000) / 1_000_000
        XCTAssertEqual(sketch.standardError, 0.0081, accuracy: 0.0001)
        XCTAssertLessThan(error, 3 * sketch.standardError, "estimate \(sketch.count)")
    }

    func testDuplicatesDoNotCount() {
        var sketch = HyperLogLog()
        for round in 0..<5 {
            for index in 0..<50_000 { sketch.insert("user-\(index)") }
            _ = round
        }
        let error = abs(Double(sketch.count) - 50_000) / 50_000
        XCTAssertLessThan(error, 3 * sketch.standardError, "estimate \(sketch.count)")
    }

    func testMergeEqualsTheSketchOfTheUnion() {
        var left = HyperLogLog()
        var right = HyperLogLog()
        var union = HyperLogLog()
        for index in 0..<120_000 {
            let id = "user-\(index)"
            if index % 3 != 0 { left.insert(id) }
            if index % 2 == 0 { right.insert(id) }
            if index % 3 != 0 || index % 2 == 0 { union.insert(id) }
        }
        var merged = left
        merged.merge(right)
        XCTAssertEqual(merged.count, union.count)
        // Small sketches (still exact) merge exactly.
        var small = HyperLogLog()
        small.insert("a")
        var other = HyperLogLog()
        other.insert("a")
        other.insert("b")
        small.merge(other)
        XCTAssertEqual(small.count, 2)
    }

    func testVisitorHashesStayWhatEarlierVersionsWrote() {
        // A visitor is hashed as "u:" + id without building that string. Sketches in partial
        // states written by earlier versions (which built it) must keep merging with new ones, so
        // the value may not change: FNV-1a 64 over the bytes, then MurmurHash3's finaliser.
        for id in ["", "a", "user83810", "ünïcödé-ïd", String(repeating: "x", count: 100)] {
            XCTAssertEqual(HyperLogLog.hash(id, prefixedBy: "u:"), HyperLogLog.hash("u:" + id), id)
        }
        XCTAssertEqual(HyperLogLog.hash("alice", prefixedBy: "u:"), 0xFD13_4C12_1BF2_2EC2)
        XCTAssertEqual(HyperLogLog.hash("session-1", prefixedBy: "s:"), 0xF62C_75FA_288F_0EB5)
    }
}
