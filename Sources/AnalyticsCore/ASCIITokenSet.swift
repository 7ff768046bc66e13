/// A fixed set of lowercase ASCII tokens, searched for in a text in one pass, ASCII
/// case-insensitively.
///
/// Bot detection looks for a few dozen tokens in every event's user agent. Scanning the text once
/// and trying, at each byte, only the tokens that begin with it costs one table lookup per byte
/// instead of one scan per token.
struct ASCIITokenSet: Sendable {
    /// Every token's bytes, back to back.
    private let bytes: [UInt8]
    /// Where each token lies in `bytes`.
    private let ranges: [Range<Int>]
    /// For each byte value, the tokens that begin with it (its lowercase form), as a bit set.
    private let startingWith: [UInt64]

    init(_ tokens: [StaticString]) {
        precondition(tokens.count <= 64, "an ASCIITokenSet holds at most 64 tokens")
        var bytes: [UInt8] = []
        var ranges: [Range<Int>] = []
        var startingWith = [UInt64](repeating: 0, count: 256)
        for (index, token) in tokens.enumerated() {
            precondition(token.utf8CodeUnitCount > 0, "an empty token matches everything")
            let start = bytes.count
            bytes.append(contentsOf: UnsafeBufferPointer(start: token.utf8Start, count: token.utf8CodeUnitCount))
            ranges.append(start..<bytes.count)
            startingWith[Int(token.utf8Start[0])] |= 1 << UInt64(index)
        }
        self.bytes = bytes
        self.ranges = ranges
        self.startingWith = startingWith
    }

    /// Where one token was found: its index in the list the set was made from, and the bytes of
    /// the text it covers.
    struct Occurrence: Equatable {
        var token: Int
        var range: Range<Int>
    }

    /// Whether any token occurs anywhere in `text`.
    func occurs(in text: UnsafeBufferPointer<UInt8>) -> Bool {
        for start in text.indices where startingWith[Int(text[start].asciiLowercased)] != 0 {
            if matches(at: start, in: text) != 0 { return true }
        }
        return false
    }

    /// Whether `text` begins with any token.
    func begins(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
        !text.isEmpty && matches(at: 0, in: text) != 0
    }

    /// The first occurrence of every token found in `text`, in the order they were found. Costs
    /// what `occurs` costs, and allocates nothing when no token occurs.
    func firstOccurrences(in text: UnsafeBufferPointer<UInt8>) -> [Occurrence] {
        var found: [Occurrence] = []
        var seen: UInt64 = 0
        for start in text.indices where startingWith[Int(text[start].asciiLowercased)] != 0 {
            var new = matches(at: start, in: text) & ~seen
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
        var tokens = matches(at: 0, in: text)
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

    /// The tokens that begin with the byte at `start` and occur there, as a bit set.
    private func matches(at start: Int, in text: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var candidates = startingWith[Int(text[start].asciiLowercased)]
        var found: UInt64 = 0
        while candidates != 0 {
            let token = candidates.trailingZeroBitCount
            let range = ranges[token]
            candidates &= candidates - 1
            guard text.count - start >= range.count else { continue }
            var offset = 1
            while offset < range.count && text[start + offset].asciiLowercased == bytes[range.lowerBound + offset] {
                offset += 1
            }
            if offset == range.count { found |= 1 << UInt64(token) }
        }
        return found
    }
}
