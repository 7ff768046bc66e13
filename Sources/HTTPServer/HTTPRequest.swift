/// The protocol version of a request.
public struct HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    public var major: Int
    public var minor: Int

    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)

    public var description: String { "HTTP/\(major).\(minor)" }
}

/// A request's method, target, version and headers: what is known before its body is read.
public struct HTTPRequestHead: Sendable, Equatable {
    public var method: String
    /// The request target as sent (`/event?x=1`, `*`, or absolute form).
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders

    /// The path of the target, without query; `*` for asterisk form.
    public var path: String {
        var text = Substring(target)
        let schemeLength = text.hasPrefix("http://") ? 7 : (text.hasPrefix("https://") ? 8 : 0)
        if schemeLength > 0 {
            let afterScheme = text.dropFirst(schemeLength)
            text = afterScheme.firstIndex(of: "/").map { afterScheme[$0...] } ?? "/"
        }
        if let mark = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<mark] }
        return text.isEmpty ? "/" : String(text)
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
        headers["Expect"]?.lowercased() == "100-continue"
    }
}

/// A complete HTTP request: head, decoded body and where it came from.
public struct HTTPRequest: Sendable, Equatable {
    public var head: HTTPRequestHead
    public var body: [UInt8]
    /// The peer's IP address.
    public var remoteAddress: String

    public init(head: HTTPRequestHead, body: [UInt8], remoteAddress: String = "") {
        self.head = head
        self.body = body
        self.remoteAddress = remoteAddress
    }

    public var method: String { head.method }
    public var path: String { head.path }
    public var headers: HTTPHeaders { head.headers }
    public var version: HTTPVersion { head.version }
}
