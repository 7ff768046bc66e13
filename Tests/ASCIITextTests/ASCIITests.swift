import ASCIIText
import XCTest

final class ASCIITests: XCTestCase {
    func testLettersCompareWithoutCaseAndNothingElseDoes() {
        XCTAssertTrue(ASCII.equalIgnoringCase("Content-Length".utf8, "content-LENGTH".utf8))
        XCTAssertFalse(ASCII.equalIgnoringCase("Content-Length".utf8, "Content-Lengt".utf8))
        // `@`/`` ` `` and `[`/`{` differ only in the bit that separates cases of letters.
        XCTAssertFalse(ASCII.equalIgnoringCase("@".utf8, "`".utf8))
        XCTAssertFalse(ASCII.equalIgnoringCase("[".utf8, "{".utf8))
        XCTAssertFalse(ASCII.equalIgnoringCase("É".utf8, "é".utf8), "non-ASCII bytes compare as they are")
        XCTAssertTrue(ASCII.equalIgnoringCase("".utf8, "".utf8))
    }

    func testPrefixIgnoringCase() {
        XCTAssertTrue(ASCII.hasPrefix("WWW.Example.com".utf8, ignoringCase: "www.".utf8))
        XCTAssertFalse(ASCII.hasPrefix("ww".utf8, ignoringCase: "www.".utf8))
        XCTAssertFalse(ASCII.hasPrefix("wxw.".utf8, ignoringCase: "www.".utf8))
    }

    func testTrimmingTakesSpacesAndTabsFromBothEndsOnly() {
        XCTAssertEqual(Substring(" \t gzip \t").trimmingSpacesAndTabs, "gzip")
        XCTAssertEqual(Substring("a b").trimmingSpacesAndTabs, "a b")
        XCTAssertEqual(Substring(" \t ").trimmingSpacesAndTabs, "")
        XCTAssertEqual(Substring("\nx\r").trimmingSpacesAndTabs, "\nx\r", "line ends are not optional whitespace")
    }

    /// HTTP's optional whitespace is bytes: a combining mark after a space is not swallowed with it.
    func testTrimmingCutsOnBytesNotCharacters() {
        let trimmed = Substring(" \u{301}x").trimmingSpacesAndTabs
        XCTAssertEqual(Array(trimmed.utf8), Array("\u{301}x".utf8))
    }

    func testAsciiLowercasedChangesCapitalLettersOnly() {
        XCTAssertEqual(Array("AZaz@[`{\u{C9}".utf8.map(\.asciiLowercased)), Array("azaz@[`{\u{C9}".utf8))
    }

    /// Lent bytes (strings, arrays) and iterated ones (a reversed view) give the same answers.
    func testContiguousAndIteratedBytesCompareAlike() {
        let pairs: [(String, String)] = [("Host", "hOST"), ("Host", "Hosx"), ("@", "`"), ("", ""), ("ab", "a")]
        for (left, right) in pairs {
            let lent = ASCII.equalIgnoringCase(Array(left.utf8), Array(right.utf8))
            let iterated = ASCII.equalIgnoringCase(left.utf8.reversed().reversed(), right.utf8.reversed().reversed())
            XCTAssertEqual(lent, iterated, "\(left) / \(right)")
            XCTAssertEqual(lent, left.lowercased() == right.lowercased(), "\(left) / \(right)")
        }
    }

    /// Protocol words are lowercased as ASCII: the Kelvin sign (U+212A) stays itself, where
    /// `lowercased()` makes it a `k`.
    func testStringsLowercaseOnlyASCIILetters() {
        XCTAssertEqual("Chunked".asciiLowercased, "chunked")
        XCTAssertEqual("chun\u{212A}ed".asciiLowercased, "chun\u{212A}ed")
        XCTAssertEqual("chun\u{212A}ed".lowercased(), "chunked")
        XCTAssertEqual(Substring("\u{C9}TAT").asciiLowercased, "\u{C9}tat")
    }
}
