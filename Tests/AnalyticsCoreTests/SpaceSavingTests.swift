import AnalyticsCore
import XCTest

final class SpaceSavingTests: XCTestCase {
    private func add(_ key: String, to summary: inout SpaceSaving<String, Int>) {
        summary.add(key, make: { 0 }, update: { $0 += 1 })
    }

    func testExactWhileFewerKeysThanCapacity() {
        var summary = SpaceSaving<String, Int>(capacity: 10)
        for (key, times) in [("/a", 5), ("/b", 3), ("/c", 3), ("/d", 1)] {
            for _ in 0..<times { add(key, to: &summary) }
        }
        let top = summary.top(3, by: <)
        XCTAssertEqual(top.map(\.key), ["/a", "/b", "/c"])
        XCTAssertEqual(top.map(\.count), [5, 3, 3])
        XCTAssertEqual(top.map(\.error), [0, 0, 0])
        XCTAssertEqual(top.map(\.value), [5, 3, 3])
    }

    /// A consumer shrinks a partition's summary when more partitions share the budget.
    func testShrinkingKeepsTheMostCountedAndNeverUnderestimates() {
        var summary = SpaceSaving<String, Int>(capacity: 1_000)
        var truth: [String: Int] = [:]
        for index in 0..<20_000 {
            let key = "/p\(index % 7 == 0 ? index % 5 : index % 600)"
            truth[key, default: 0] += 1
            add(key, to: &summary)
        }
        XCTAssertEqual(summary.count, 600)
        summary.resize(to: 50)
        XCTAssertEqual(summary.capacity, 50)
        XCTAssertEqual(summary.count, 50)
        let kept = Set(summary.top(50, by: <).map(\.key))
        XCTAssertTrue(Set((0..<5).map { "/p\($0)" }).isSubset(of: kept), "the heaviest pages stay")
        // Forgotten pages come back: counts stay at or above the truth, within their error.
        for index in 0..<5_000 {
            let key = "/p\(index % 600)"
            truth[key, default: 0] += 1
            add(key, to: &summary)
        }
        for entry in summary.top(50, by: <) {
            let real = truth[entry.key] ?? 0
            XCTAssertGreaterThanOrEqual(entry.count, real, entry.key)
            XCTAssertLessThanOrEqual(entry.count - real, entry.error, entry.key)
        }
        XCTAssertEqual(summary.count, 50)
    }

    func testHeavyHittersSurviveAManyKeyStreamWithinTheBound() {
        // 5 pages take half of 200,000 views; 20,000 other pages share the rest.
        var summary = SpaceSaving<String, Int>(capacity: 100)
        var truth: [String: Int] = [:]
        var generator = SystemRandomNumberGenerator()
        let total = 200_000
        for index in 0..<total {
            let key = index % 2 == 0 ? "/hot\(index % 10 / 2)" : "/cold\(Int.random(in: 0..<20_000, using: &generator))"
            truth[key, default: 0] += 1
            add(key, to: &summary)
        }
        let top = summary.top(5, by: <)
        XCTAssertEqual(Set(top.map(\.key)), Set((0..<5).map { "/hot\($0)" }))
        for entry in top {
            let real = truth[entry.key] ?? 0
            XCTAssertGreaterThanOrEqual(entry.count, real, "never underestimates")
            XCTAssertLessThanOrEqual(entry.count - real, entry.error)
            XCTAssertLessThanOrEqual(entry.error, total / summary.capacity, "error bound N/capacity")
        }
        XCTAssertEqual(summary.count, 100)
    }
}
