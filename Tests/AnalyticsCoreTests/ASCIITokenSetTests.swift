import XCTest

@testable import AnalyticsCore

/// The one-pass token search against the obvious search, on random texts made of the tokens' own
/// pieces in mixed case, so that near misses, overlaps and matches at both ends are common.
final class ASCIITokenSetTests: XCTestCase {
    private func naiveFirstOccurrences(_ tokens: [String], in text: [UInt8]) -> [ASCIITokenSet.Occurrence] {
        let lowered = text.map(\.asciiLowercased)
        var found: [ASCIITokenSet.Occurrence] = []
        var seen = Set<Int>()
        for start in lowered.indices {
            for (index, token) in tokens.enumerated() where !seen.contains(index) {
                let bytes = Array(token.utf8)
                if start + bytes.count <= lowered.count && Array(lowered[start..<(start + bytes.count)]) == bytes {
                    seen.insert(index)
                    found.append(.init(token: index, range: start..<(start + bytes.count)))
                }
            }
        }
        return found
    }

    func testTheOnePassSearchFindsWhatTheObviousSearchFinds() {
        let anywhere = BotUserAgents.anywhere.map(\.token)
        let libraries = BotUserAgents.libraries
        var generator = SystemRandomNumberGenerator()
        for tokens in [anywhere, libraries, ["a", "ab", "b"]] {
            let set = ASCIITokenSet(tokens)
            let pieces = tokens.flatMap { [$0, String($0.prefix(2)), String($0.dropFirst())] } + [" ", "/", "é", "X"]
            for _ in 0..<3000 {
                var text = ""
                for _ in 0..<Int.random(in: 0...6, using: &generator) {
                    let piece = pieces.randomElement(using: &generator) ?? ""
                    text += Bool.random(using: &generator) ? piece.uppercased() : piece
                }
                let bytes = Array(text.utf8)
                let expected = naiveFirstOccurrences(tokens, in: bytes)
                bytes.withUnsafeBufferPointer { buffer in
                    XCTAssertEqual(set.firstOccurrences(in: buffer), expected, text)
                    XCTAssertEqual(set.occurs(in: buffer), !expected.isEmpty, text)
                    let starting = expected.filter { $0.range.lowerBound == 0 }
                    XCTAssertEqual(set.begins(buffer), !starting.isEmpty, text)
                    XCTAssertEqual(
                        set.prefix(of: buffer)?.range.count, starting.map(\.range.count).max(), text)
                }
            }
        }
    }
}
