import ClickHouse
import XCTest

/// The rebuild's record of stored offsets: one bit per offset of a range.
final class OffsetBitmapTests: XCTestCase {
    func testOffsetsInTheRangeAreKeptOnceAndOthersIgnored() {
        var bitmap = OffsetBitmap(range: 100..<300)
        for offset: Int64 in [100, 163, 164, 299, 163, 99, 300, -1] { bitmap.insert(offset) }
        XCTAssertEqual(bitmap.count, 4)
        XCTAssertEqual((90..<310).filter { bitmap.contains($0) }, [100, 163, 164, 299])
    }

    func testAnEmptyRangeHoldsNothing() {
        var bitmap = OffsetBitmap(range: 5..<5)
        bitmap.insert(5)
        XCTAssertEqual(bitmap.count, 0)
        XCTAssertFalse(bitmap.contains(5))
    }
}
