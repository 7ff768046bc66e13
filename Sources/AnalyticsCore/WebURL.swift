import ASCIIText

/// The parts of an absolute `http`/`https` URL that analytics needs: scheme, host and path.
///
/// It exists because `URLComponents` was a measurable share of the producer's time per event,
/// and the rules here are narrower anyway: a scheme of http or https, `//`, a non-empty host
/// (optionally with user info, a port or an IPv6 literal), and no spaces or control characters.
public struct WebURL: Sendable, Equatable {
    /// `http` or `https`, lowercased.
    public var scheme: String
    /// The host as written (IPv6 literals keep their brackets).
    public var host: String
    /// The path without query or fragment; `/` when the URL has none.
    public var path: String

    public init?(_ text: String) {
        guard
            let parsed = Self.withParts(
                of: text,
                { bytes, parts in
                    WebURL(
                        scheme: parts.isHTTPS ? "https" : "http", host: Self.string(bytes, parts.host),
                        path: Self.path(bytes, parts))
                })
        else { return nil }
        self = parsed
    }

    private init(scheme: String, host: String, path: String) {
        self.scheme = scheme
        self.host = host
        self.path = path
    }

    /// Whether `text` is such a URL, without making strings of its parts (request validation).
    public static func isValid(_ text: String) -> Bool {
        withParts(of: text) { _, _ in () } != nil
    }

    /// The path of `text` (`/` when it has none), or nil when it is not such a URL; the other parts
    /// are not made into strings.
    public static func path(of text: String) -> String? {
        withParts(of: text) { bytes, parts in path(bytes, parts) }
    }

    /// The host lowercased (`example.com`; IPv6 literals keep their brackets), or nil when `text`
    /// is not such a URL.
    public static func host(of text: String) -> String? {
        withParts(of: text) { bytes, parts in
            String(decoding: UnsafeBufferPointer(rebasing: bytes[parts.host]).map(\.asciiLowercased), as: UTF8.self)
        }
    }

    /// The query after `?` (without the fragment), or nil when there is none or `text` is not
    /// such a URL.
    public static func query(of text: String) -> String? {
        withParts(of: text) { bytes, parts in parts.query.map { string(bytes, $0) } } ?? nil
    }

    /// Calls `body` with the host's bytes as written, or returns nil when `text` is not such a URL.
    static func withHost<Result>(of text: String, _ body: (UnsafeBufferPointer<UInt8>) -> Result) -> Result? {
        withParts(of: text) { bytes, parts in body(UnsafeBufferPointer(rebasing: bytes[parts.host])) }
    }

    /// Calls `body` with the bytes of `text` and where its parts lie, or returns nil when it is not
    /// such a URL: each reader makes only the strings it needs.
    private static func withParts<Result>(
        of text: String, _ body: (UnsafeBufferPointer<UInt8>, Parts) -> Result
    ) -> Result? {
        text.withUTF8InPlace { bytes in parts(bytes).map { body(bytes, $0) } }
    }

    /// Where the parts of a URL lie in its bytes; an empty `path` stands for `/`.
    private struct Parts {
        var isHTTPS: Bool
        var host: Range<Int>
        var path: Range<Int>
        var query: Range<Int>?
    }

    private static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }

    /// The path `parts` found in `bytes`, `/` when there is none.
    private static func path(_ bytes: UnsafeBufferPointer<UInt8>, _ parts: Parts) -> String {
        parts.path.isEmpty ? "/" : string(bytes, parts.path)
    }

    private static func parts(_ bytes: UnsafeBufferPointer<UInt8>) -> Parts? {
        guard bytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { return nil }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let schemeBytes = UnsafeBufferPointer(rebasing: bytes[0..<colon])
        let isHTTPS: Bool
        if schemeBytes.spells(ignoringCase: "http") {
            isHTTPS = false
        } else if schemeBytes.spells(ignoringCase: "https") {
            isHTTPS = true
        } else {
            return nil
        }
        guard colon + 2 < bytes.count, bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
        else { return nil }
        let authorityStart = colon + 3
        var authorityEnd = authorityStart
        while authorityEnd < bytes.count, !isAuthorityEnd(bytes[authorityEnd]) {
            authorityEnd += 1
        }
        var hostStart = authorityStart
        if let at = bytes[authorityStart..<authorityEnd].lastIndex(of: UInt8(ascii: "@")) { hostStart = at + 1 }
        var hostEnd = authorityEnd
        if hostStart < authorityEnd, bytes[hostStart] == UInt8(ascii: "[") {
            guard let close = bytes[hostStart..<authorityEnd].firstIndex(of: UInt8(ascii: "]")) else { return nil }
            hostEnd = close + 1
        } else if let portColon = bytes[hostStart..<authorityEnd].firstIndex(of: UInt8(ascii: ":")) {
            hostEnd = portColon
        }
        guard hostEnd > hostStart else { return nil }
        if hostEnd < authorityEnd {
            // A port: ":" then 1 to 5 digits.
            guard bytes[hostEnd] == UInt8(ascii: ":") else { return nil }
            let digits = bytes[(hostEnd + 1)..<authorityEnd]
            guard digits.count <= 5, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        }
        guard bytes[hostStart..<hostEnd].allSatisfy(isHostByte) else { return nil }
        var pathEnd = authorityEnd
        while pathEnd < bytes.count, bytes[pathEnd] != UInt8(ascii: "?"), bytes[pathEnd] != UInt8(ascii: "#") {
            pathEnd += 1
        }
        var query: Range<Int>?
        if pathEnd < bytes.count, bytes[pathEnd] == UInt8(ascii: "?") {
            let queryEnd = bytes[(pathEnd + 1)...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
            query = (pathEnd + 1)..<queryEnd
        }
        return Parts(isHTTPS: isHTTPS, host: hostStart..<hostEnd, path: authorityEnd..<pathEnd, query: query)
    }

    private static func isAuthorityEnd(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "%"), UInt8(ascii: "["),
            UInt8(ascii: "]"),
            UInt8(ascii: ":"), 0x80...0xFF:
            return true
        default:
            return false
        }
    }
}
