/// An ISO 3166-1 alpha-2 country code (`DE`, `US`), the only thing the pipeline keeps of where a
/// visitor is: the producer looks it up from the client's address before the address is
/// anonymized or dropped, and records carry nothing more precise.
///
/// Two uppercase ASCII letters, checked wherever one is read (a record from another producer is
/// input too), so a country key in the statistics is always one.
public struct CountryCode: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The two letters, first in the high byte.
    let letters: UInt16

    /// A code from its two uppercase letters; nil for anything else (`??`, `de`, `DEU`).
    public init?(_ text: some StringProtocol) {
        var bytes = text.utf8.makeIterator()
        guard let first = bytes.next(), let second = bytes.next(), bytes.next() == nil else { return nil }
        self.init(first, second)
    }

    /// A code from two bytes, when both are uppercase ASCII letters.
    init?(_ first: UInt8, _ second: UInt8) {
        guard Self.isLetter(first), Self.isLetter(second) else { return nil }
        letters = UInt16(first) << 8 | UInt16(second)
    }

    /// A code from the checked letters of `letters` (a stored table).
    init(checkedLetters letters: UInt16) {
        self.letters = letters
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")
    }

    public var description: String {
        String(decoding: [UInt8(letters >> 8), UInt8(letters & 0xFF)], as: UTF8.self)
    }

    public static func < (lhs: CountryCode, rhs: CountryCode) -> Bool { lhs.letters < rhs.letters }
}
