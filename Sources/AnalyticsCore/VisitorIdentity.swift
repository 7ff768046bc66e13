import ASCIIText

/// The secret of one UTC day from which that day's cookieless visitor ids are made.
///
/// Every producer of a deployment uses the same salt for a date (they agree on it through Kafka),
/// and it is forgotten when the day ends: with it gone, no one can tell from the topic which
/// address and browser a visitor id stood for, nor link one day's visitors to the next.
public struct VisitorSalt: Sendable, Equatable {
    /// The UTC day, `YYYY-MM-DD`.
    public let day: String
    /// 16 random bytes, the SipHash key.
    public let key: [UInt8]

    public init?(day: String, key: [UInt8]) {
        guard key.count == 16 else { return nil }
        self.init(checkedDay: day, key: key)
    }

    private init(checkedDay day: String, key: [UInt8]) {
        self.day = day
        self.key = key
    }

    /// A new salt from the system's cryptographic random source (`getrandom`).
    public static func random(day: String) -> VisitorSalt {
        var generator = SystemRandomNumberGenerator()
        return VisitorSalt(checkedDay: day, key: (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    /// The salt as 32 hexadecimal digits (how the salts topic stores it).
    public var hexKey: String { HexDigits.of(key) }

    public init?(day: String, hexKey: String) {
        let digits = Array(hexKey.utf8)
        guard digits.count == 32 else { return nil }
        var key: [UInt8] = []
        for index in stride(from: 0, to: 32, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index..<index + 2], as: UTF8.self), radix: 16) else {
                return nil
            }
            key.append(byte)
        }
        self.init(day: day, key: key)
    }

    /// The visitor id of a browser on a site this day: SipHash-2-4 keyed by the salt over the
    /// site's host (ASCII letters lowercased), the client's address and its user agent, as 16
    /// hexadecimal digits.
    public func visitorID(siteHost: String, clientAddress: String, userAgent: String) -> String {
        var hash = SipHash24(key: key)
        siteHost.withUTF8InPlace { host in
            for byte in host { hash.combine(byte.asciiLowercased) }
        }
        hash.combine(0)
        hash.combine(utf8: clientAddress)
        hash.combine(0)
        hash.combine(utf8: userAgent)
        return HexDigits.sixteen(hash.finalize())
    }
}
