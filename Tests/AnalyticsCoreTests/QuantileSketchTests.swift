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
}
