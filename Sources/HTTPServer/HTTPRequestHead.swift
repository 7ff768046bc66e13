import ASCIIText

/// A request's method, target, version and headers: what is known before its body is read.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    /// The request target as sent (`/event?x=1`, `*`, or absolute form).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    public init(method: String, target: String, version: HTTPVersion, headers: HTTPHeaders) {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
    }

    /// The path of the target, without query; `*` for asterisk form.
    public var path: String {
        let utf8 = target.utf8
        var start = utf8.startIndex
        let schemeLength = utf8.starts(with: "http://".utf8) ? 7 : (utf8.starts(with: "https://".utf8) ? 8 : 0)
        if schemeLength > 0 {
            let afterScheme = utf8.index(start, offsetBy: schemeLength)
            guard let slash = utf8[afterScheme...].firstIndex(of: UInt8(ascii: "/")) else { return "/" }
            start = slash
        }
        // Bytes, not characters: the delimiters are ASCII, so every index found is a character boundary.
        let end = utf8[start...].firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") } ?? utf8.endIndex
        if start == end { return "/" }
        if start == utf8.startIndex && end == utf8.endIndex { return target }
        return String(target[start..<end])
    }

    /// The query string after `?`, if any.
    public var query: String? {
        target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) }
    }

    /// Whether the client wants the connection kept open after this exchange (RFC 9112 §9.3).
    public var keepAlive: Bool {
        guard headers.contains("Connection") else { return version == .http1_1 }
        let tokens = headers.tokens("Connection")
        if tokens.contains("close") { return false }
        if version == .http1_1 { return true }
        return tokens.contains("keep-alive")
    }

    /// Whether the client sent `Expect: 100-continue`.
    public var expectsContinue: Bool {
        // An HTTP/1.0 client does not know 100 Continue: its expectation is ignored (RFC 9110 §10.1.1).
        (version.major, version.minor) >= (1, 1) && headers["Expect"]?.asciiLowercased == "100-continue"
    }
}
