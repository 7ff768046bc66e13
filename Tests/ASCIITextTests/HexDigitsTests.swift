import ASCIIText
import XCTest

final class HexDigitsTests: XCTestCase {
    func testNumbersAreSixteenLowercaseDigitsWithLeadingZeros() {
        XCTAssertEqual(HexDigits.sixteen(0), "0000000000000000")
        XCTAssertEqual(HexDigits.sixteen(0xAB), "00000000000000ab")
        XCTAssertEqual(HexDigits.sixteen(.max), "ffffffffffffffff")
        XCTAssertEqual(HexDigits.sixteen(0x0123_4567_89AB_CDEF), "0123456789abcdef")
    }

    func testBytesAreTwoDigitsEach() {
        XCTAssertEqual(HexDigits.of([0x00, 0x0F, 0xA0, 0xFF]), "000fa0ff")
        XCTAssertEqual(HexDigits.of([UInt8]()), "")
    }
}
