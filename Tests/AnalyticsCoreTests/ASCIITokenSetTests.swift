import ASCIIText
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
        var generator = SplitMix64(seed: 2026_12_05)  // fixed, so a failure can be replayed
        for tokens in [anywhere, libraries, ["a", "ab", "b"]] {
            let set = ASCIITokenSet(tokens)
            let pieces = tokens.flatMap { [$0, String($0.prefix(2)), String($0.dropFirst())] } + [" ", "/", "é", "X"]
            for _ in 0..<3000 {
                var text = ""
                for _ in 0..<Int.random(in: 0...6, using: &generator) {
                    let piece = pieces.randomElement(using: &generator) ?? ""
                    // Each letter in either case, so mixed case inside a token is common.
                    text += String(piece.map { Bool.random(using: &generator) ? Character($0.uppercased()) : $0 })
                }
                let bytes = Array(text.utf8)
                let expected = naiveFirstOccurrences(tokens, in: bytes)
                bytes.withUnsafeBufferPointer { buffer in
                    XCTAssertEqual(set.firstOccurrences(in: buffer), expected, text)
                    let starting = expected.filter { $0.range.lowerBound == 0 }
                    XCTAssertEqual(
                        set.prefix(of: buffer)?.range.count, starting.map(\.range.count).max(), text)
                }
            }
        }
    }

    func testTokensMatchInAnyMixOfCasesAndAtBothEnds() {
        let set = ASCIITokenSet(["googlebot", "ab", "x"])
        for (text, tokens) in [("gOoGlEbOt", [0]), ("GOOGLEBOT/2.1", [0]), ("aB", [1]), ("zzX", [2]), ("a", [])] {
            Array(text.utf8).withUnsafeBufferPointer { buffer in
                XCTAssertEqual(set.firstOccurrences(in: buffer).map(\.token), tokens, text)
            }
        }
    }
}

/// A small seeded generator (SplitMix64), so random tests are the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }
}
