import ASCIIText

/// A fixed set of lowercase ASCII tokens, searched for in a text in one pass, ASCII
/// case-insensitively.
///
/// Bot detection looks for some fifty tokens in every event's user agent. The text is scanned
/// once; at each byte two table lookups (the tokens beginning with this byte, and those whose
/// second byte is the next one) leave only the tokens that can start there, and only those are
/// compared. The tables hold both cases of each letter, so only the bytes of candidates beyond
/// the second are lowercased. With the first byte alone, most letters began some token and a
/// browser's user agent cost half as much again to clear.
struct ASCIITokenSet: Sendable {
    /// Every token's bytes, back to back.
    private let bytes: [UInt8]
    /// Where each token lies in `bytes`.
    private let ranges: [Range<Int>]
    /// For each byte value, the tokens that begin with it (in either case), as a bit set.
    private let startingWith: [UInt64]
    /// For each byte value, the tokens whose second byte it is (in either case); tokens of one
    /// byte are in every entry.
    private let followedBy: [UInt64]
    /// The tokens of one byte: the only ones that can begin at a text's last byte.
    private let singleBytes: UInt64

    init(_ tokens: [String]) {
        precondition(tokens.count <= 64, "an ASCIITokenSet holds at most 64 tokens")
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        var startingWith = [UInt64](repeating: 0, count: 256)
        var followedBy = [UInt64](repeating: 0, count: 256)
        var singleBytes: UInt64 = 0
        /// Both cases of a lowercase ASCII letter; any other byte alone.
        func cases(_ byte: UInt8) -> [Int] {
            byte >= 0x61 && byte <= 0x7A ? [Int(byte), Int(byte - 0x20)] : [Int(byte)]
        }
        for (index, token) in tokens.enumerated() {
            let token = Array(token.utf8)
            let count = token.count
            precondition(count > 0, "an empty token matches everything")
            precondition(token.allSatisfy { $0 < 0x80 && $0.asciiLowercased == $0 }, "tokens are lowercase ASCII")
            let bit: UInt64 = 1 << UInt64(index)
            let start = bytes.count
            bytes.append(contentsOf: token)
            ranges.append(start..<bytes.count)
            for byte in cases(token[0]) { startingWith[byte] |= bit }
            if count > 1 {
                for byte in cases(token[1]) { followedBy[byte] |= bit }
            } else {
                singleBytes |= bit
                for byte in followedBy.indices { followedBy[byte] |= bit }
            }
        }
        self.bytes = bytes
        self.ranges = ranges
        self.startingWith = startingWith
        self.followedBy = followedBy
        self.singleBytes = singleBytes
    }

    /// Where one token was found: its index in the list the set was made from, and the bytes of
    /// the text it covers.
    struct Occurrence: Equatable {
        var token: Int
        var range: Range<Int>
    }

    /// The first occurrence of every token found in `text`, in the order they were found. One
    /// pass; allocates nothing when no token occurs.
    func firstOccurrences(in text: UnsafeBufferPointer<UInt8>) -> [Occurrence] {
        var found: [Occurrence] = []
        var seen: UInt64 = 0
        for start in text.indices {
            let candidates = candidates(at: start, in: text) & ~seen
            guard candidates != 0 else { continue }
            var new = matches(candidates, at: start, in: text)
            seen |= new
            while new != 0 {
                let token = new.trailingZeroBitCount
                new &= new - 1
                found.append(Occurrence(token: token, range: start..<(start + ranges[token].count)))
            }
        }
        return found
    }

    /// The token `text` begins with (the longest, when several do).
    func prefix(of text: UnsafeBufferPointer<UInt8>) -> Occurrence? {
        guard !text.isEmpty else { return nil }
        var tokens = matches(candidates(at: 0, in: text), at: 0, in: text)
        var longest: Occurrence?
        while tokens != 0 {
            let token = tokens.trailingZeroBitCount
            tokens &= tokens - 1
            if ranges[token].count > longest?.range.count ?? 0 {
                longest = Occurrence(token: token, range: 0..<ranges[token].count)
            }
        }
        return longest
    }

    /// The tokens whose first two bytes are those at `start`, as a bit set: the only ones that
    /// can occur there.
    @inline(__always)
    private func candidates(at start: Int, in text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        let first = startingWith[Int(text[start])]
        if first == 0 { return 0 }
        return first & (start + 1 < text.count ? followedBy[Int(text[start + 1])] : singleBytes)
    }

    /// Those of `candidates` that occur at `start`, as a bit set.
    private func matches(_ candidates: UInt64, at start: Int, in text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var candidates = candidates
        var found: UInt64 = 0
        while candidates != 0 {
            let token = candidates.trailingZeroBitCount
            let range = ranges[token]
            candidates &= candidates - 1
            guard text.count - start >= range.count else { continue }
            // The first two bytes are known to match.
            var offset = min(2, range.count)
            while offset < range.count && text[start + offset].asciiLowercased == bytes[range.lowerBound + offset] {
                offset += 1
            }
            if offset == range.count { found |= 1 << UInt64(token) }
        }
        return found
    }
}
