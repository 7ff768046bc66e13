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
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self = parsed
    }

    private init(scheme: String, host: String, path: String) {
        self.scheme = scheme
        self.host = host
        self.path = path
    }

    private static func parse(_ bytes: UnsafeBufferPointer<UInt8>) -> WebURL? {
        guard bytes.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { return nil }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0 else { return nil }
        let schemeBytes = UnsafeBufferPointer(rebasing: bytes[0..<colon])
        let scheme: String
        if isScheme(schemeBytes, "http") {
            scheme = "http"
        } else if isScheme(schemeBytes, "https") {
            scheme = "https"
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
        let hostBytes = UnsafeBufferPointer(rebasing: bytes[hostStart..<hostEnd])
        guard hostBytes.allSatisfy(isHostByte) else { return nil }
        let host = String(decoding: hostBytes, as: UTF8.self)
        var pathEnd = authorityEnd
        while pathEnd < bytes.count, bytes[pathEnd] != UInt8(ascii: "?"), bytes[pathEnd] != UInt8(ascii: "#") {
            pathEnd += 1
        }
        let path =
            pathEnd > authorityEnd
            ? String(decoding: UnsafeBufferPointer(rebasing: bytes[authorityEnd..<pathEnd]), as: UTF8.self) : "/"
        return WebURL(scheme: scheme, host: host, path: path)
    }

    /// Whether `bytes` spell `name` (lowercase ASCII) in any case, without making a string.
    private static func isScheme(_ bytes: UnsafeBufferPointer<UInt8>, _ name: StaticString) -> Bool {
        guard bytes.count == name.utf8CodeUnitCount else { return false }
        for index in 0..<bytes.count where bytes[index] | 0x20 != name.utf8Start[index] { return false }
        return true
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
