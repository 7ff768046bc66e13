import AnalyticsCore
import Foundation
import XCTest

final class QuantileSketchTests: XCTestCase {
    private func exactQuantile(_ sorted: [Double], _ q: Double) -> Double {
        sorted[Int((q * Double(sorted.count - 1)).rounded(.down))]
    }

    func testQuantilesWithinTheRelativeAccuracy() throws {
        var generator = SystemRandomNumberGenerator()
        // Load times spread over three orders of magnitude (log-uniform 50 ms .. 50 s).
        let values = (0..<100_000).map { _ in 50 * pow(1000, Double.random(in: 0..<1, using: &generator)) }
        var sketch = QuantileSketch()
        values.forEach { sketch.add($0) }
        let sorted = values.sorted()
        for q in [0.0, 0.25, 0.5, 0.9, 0.95, 0.99, 1.0] {
            let estimate = try XCTUnwrap(sketch.quantile(q))
            let truth = exactQuantile(sorted, q)
            XCTAssertEqual(estimate, truth, accuracy: truth * 0.0101, "q=\(q)")
        }
        XCTAssertEqual(sketch.count, 100_000)
        XCTAssertEqual(sketch.average, values.reduce(0, +) / 100_000, accuracy: 1e-6)
    }

    func testMergeEqualsTheSketchOfAllValues() {
        var left = QuantileSketch()
        var right = QuantileSketch()
        var all = QuantileSketch()
        for index in 0..<10_000 {
            let value = Double(index % 977) + 0.5
            if index % 2 == 0 { left.add(value) } else { right.add(value) }
            all.add(value)
        }
        left.merge(right)
        XCTAssertEqual(left.quantile(0.5), all.quantile(0.5))
        XCTAssertEqual(left.quantile(0.95), all.quantile(0.95))
        XCTAssertEqual(left.count, all.count)
    }

    func testEmptyZerosAndInvalidValues() {
        var sketch = QuantileSketch()
        XCTAssertNil(sketch.quantile(0.5))
        sketch.add(-1)
        sketch.add(.nan)
        sketch.add(0)
        sketch.add(0)
        sketch.add(100)
        XCTAssertEqual(sketch.count, 3)
        XCTAssertEqual(sketch.quantile(0.5), 0)
        XCTAssertEqual(sketch.quantile(1) ?? 0, 100, accuracy: 1)
    }

    /// Issue 29: 1e308 twice overflowed the sum and `pow(gamma, key)`. Whatever finite values
    /// arrive, in whatever order, merged however, every figure stays finite and within range.
    func testNoSequenceOfFiniteValuesMakesAFigureNonFinite() {
        var generator = SplitMix64(seed: 29)
        let extremes: [Double] = [
            0, -0.0, 5e-324, 1e-300, 1e-9, 1e-9.nextUp, 1, 3_600_000, 3_600_000.nextUp, 1e12, 1e15, 1e300,
            1e308, .greatestFiniteMagnitude, -1, -.greatestFiniteMagnitude, .leastNormalMagnitude,
        ]
        for maximum in [3_600_000, 1e12, .greatestFiniteMagnitude, .infinity, 0.5] {
            var sketches = (0..<4).map { _ in QuantileSketch(relativeAccuracy: 0.01, maximum: maximum) }
            for _ in 0..<5_000 {
                let value =
                    Bool.random(using: &generator)
                    ? extremes.randomElement(using: &generator) ?? 0
                    : Double(bitPattern: UInt64.random(in: 0...0x7FEF_FFFF_FFFF_FFFF, using: &generator))
                sketches[Int.random(in: 0..<4, using: &generator)].add(value)
            }
            var merged = sketches[0]
            for other in sketches.dropFirst() { merged.merge(other) }
            merged.merge(merged)
            for sketch in sketches + [merged] {
                XCTAssertTrue(sketch.sum.isFinite, "sum with maximum \(maximum)")
                XCTAssertTrue(sketch.average.isFinite && sketch.average <= sketch.maximum)
                for q in [0, 0.5, 0.95, 1, -1, 2, .nan] {
                    let value = sketch.quantile(q) ?? 0
                    XCTAssertTrue(value.isFinite && value >= 0 && value <= sketch.maximum, "q=\(q): \(value)")
                }
            }
        }
    }

    func testValuesAboveTheMaximumAreRefusedNotCounted() {
        var sketch = QuantileSketch(relativeAccuracy: 0.01, maximum: 3_600_000)
        XCTAssertTrue(sketch.add(3_600_000))
        XCTAssertFalse(sketch.add(1e308))
        XCTAssertFalse(sketch.add(-1))
        XCTAssertFalse(sketch.add(.nan))
        XCTAssertEqual(sketch.count, 1)
        XCTAssertEqual(sketch.quantile(1) ?? 0, 3_600_000, accuracy: 36_000)
        var other = QuantileSketch(relativeAccuracy: 0.01, maximum: 1e12)
        other.add(5)
        XCTAssertFalse(sketch.merge(other), "buckets of another range are not added")
        XCTAssertEqual(sketch.count, 1)
    }
}
