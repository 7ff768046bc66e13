import ASCIIText

/// Which web origins may call the API from a browser (`ALLOWED_ORIGINS` on the producer,
/// `STATS_ALLOWED_ORIGINS` on the consumer).
///
/// It exists so that a page on another site can post events, or read statistics, only when the
/// operator allowed its origin; a `Router` without one sends no CORS headers at all.
public struct CORSPolicy: Sendable, Equatable {
    /// Allowed origins; `*` allows any.
    public var allowedOrigins: [String]
    /// `Access-Control-Max-Age` for preflights, in seconds.
    public var maxAge: Int

    public init(allowedOrigins: [String] = ["*"], maxAge: Int = 86_400) {
        self.allowedOrigins = allowedOrigins
        self.maxAge = maxAge
    }

    /// `text` as an allowed-origins entry: `*`, or an origin as browsers send it in `Origin`
    /// (`https://shop.example`, `http://localhost:3000`); nil for anything else, such as a bare host
    /// or a URL with a path, which would never match.
    public static func origin(_ text: String) -> String? {
        if text == "*" { return text }
        let lowered = text.asciiLowercased
        guard let schemeEnd = lowered.range(of: "://"), ["http", "https"].contains(lowered[..<schemeEnd.lowerBound])
        else { return nil }
        let authority = lowered[schemeEnd.upperBound...]
        var host = authority[...]
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            let port = authority[authority.index(after: colon)...]
            guard let number = Int(port), (1...65_535).contains(number) else { return nil }
            host = authority[..<colon]
        }
        let valid = host.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: ".")
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
                || byte == UInt8(ascii: ":")
        }
        return valid && !host.isEmpty ? text : nil
    }

    /// The `Access-Control-Allow-Origin` value for a request from `origin`, or nil if not allowed.
    public func allowOrigin(for origin: String?) -> String? {
        if let origin, allowedOrigins.contains(where: { HTTPHeaders.same($0, origin) }) { return origin }
        if allowedOrigins.contains("*") { return origin ?? "*" }
        return nil
    }

    func decorate(_ response: inout HTTPResponse, origin: String?) {
        guard let allowed = allowOrigin(for: origin) else { return }
        response.headers.set("Access-Control-Allow-Origin", allowed)
        if allowed != "*" { response.headers.set("Vary", "Origin") }
    }

    func preflight(_ response: inout HTTPResponse, request: HTTPRequestHead, allowedMethods: String) {
        guard let allowed = allowOrigin(for: request.headers["Origin"]) else { return }
        response.headers.set("Access-Control-Allow-Origin", allowed)
        if allowed != "*" { response.headers.set("Vary", "Origin") }
        response.headers.set("Access-Control-Allow-Methods", allowedMethods)
        response.headers.set(
            "Access-Control-Allow-Headers", request.headers["Access-Control-Request-Headers"] ?? "Content-Type")
        response.headers.set("Access-Control-Max-Age", String(maxAge))
    }
}
