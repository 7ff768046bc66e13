import ASCIIText

/// A user agent found on the bot list: its kind and the words of it that gave it away.
///
/// `reason` is what the producer tells the sender of an event it counted as bot traffic, so that
/// nothing is set apart silently: `user agent "… Googlebot/2.1 …" is a crawler`.
public struct BotMatch: Sendable, Equatable {
    public let kind: BotKind
    /// The product token the match lies in (`Googlebot/2.1`), at most 64 printable ASCII
    /// characters (anything else becomes `?`), so it is safe in a JSON string, a header or a log.
    public let excerpt: String
    /// Whether the user agent has more before or after `excerpt`.
    let hasTextBefore: Bool
    let hasTextAfter: Bool

    /// Longest `excerpt`.
    static let excerptLimit = 64

    /// A match whose excerpt is `excerpt`, made safe (printable ASCII, at most 64 characters)
    /// whatever it holds.
    public init(kind: BotKind, excerpt: String, hasTextBefore: Bool = false, hasTextAfter: Bool = false) {
        self.kind = kind
        self.excerpt = excerpt.utf8.prefix(Self.excerptLimit).printableASCII
        self.hasTextBefore = hasTextBefore
        self.hasTextAfter = hasTextAfter || excerpt.utf8.count > Self.excerptLimit
    }

    /// The match of `range` in `userAgent`, excerpted to the product token around the match's last
    /// byte (for `(unknown version) curl/8.5.0` that is `curl/8.5.0`); of a token longer than the
    /// limit, the part that ends with the match.
    init(kind: BotKind, userAgent: UnsafeBufferPointer<UInt8>, around range: Range<Int>) {
        precondition(!range.isEmpty && range.upperBound <= userAgent.count, "a match lies inside its text")
        func separates(_ byte: UInt8) -> Bool {
            byte <= 0x20 || byte == 0x7F || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "(")
                || byte == UInt8(ascii: ")") || byte == UInt8(ascii: ",")
        }
        let last = max(range.lowerBound, range.upperBound - 1)
        var start = last
        while start > 0 && !separates(userAgent[start - 1]) { start -= 1 }
        var end = last + 1
        while end < userAgent.count && !separates(userAgent[end]) { end += 1 }
        start = max(start, range.upperBound - Self.excerptLimit)
        end = min(end, start + Self.excerptLimit)
        self.init(
            kind: kind, excerpt: userAgent[start..<end].printableASCII,
            hasTextBefore: userAgent[..<start].contains { !separates($0) },
            hasTextAfter: userAgent[end...].contains { !separates($0) })
    }

    /// Why the event is bot traffic, for the sender: `user agent "… Googlebot/2.1 …" is a crawler`.
    public var reason: String {
        "user agent \"\(hasTextBefore ? "… " : "")\(excerpt)\(hasTextAfter ? " …" : "")\" is \(kind.description)"
    }
}
