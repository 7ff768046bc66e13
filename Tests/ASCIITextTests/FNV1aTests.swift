import ASCIIText
import XCTest

final class FNV1aTests: XCTestCase {
    /// The published 64-bit FNV-1a test vectors: entity tags and merged sketches depend on them.
    func testKnownVectors() {
        XCTAssertEqual(FNV1a.hash([UInt8]()), 0xCBF2_9CE4_8422_2325)
        XCTAssertEqual(FNV1a.hash("a".utf8), 0xAF63_DC4C_8601_EC8C)
        XCTAssertEqual(FNV1a.hash("foobar".utf8), 0x8594_4171_F739_67E8)
    }

    func testContinuingFromAStateEqualsHashingTheWhole() {
        XCTAssertEqual(FNV1a.hash("bar".utf8, from: FNV1a.hash("foo".utf8)), FNV1a.hash("foobar".utf8))
    }
}
