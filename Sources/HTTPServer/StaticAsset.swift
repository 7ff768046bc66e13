/// A fixed body served with an `ETag` and `Cache-Control`, answering conditional requests: the
/// dashboard's page, script and stylesheet, compiled into the binary.
///
/// It exists so revalidation works the same way for every asset: `If-None-Match` with a matching
/// tag (or `*`) gets `304 Not Modified` with the same validators and headers, and no body.
public struct StaticAsset: Sendable {
    public let body: [UInt8]
    /// The strong entity tag, quoted (`"…"`): a 64-bit FNV-1a hash of the body, stable across
    /// restarts and across instances serving the same build.
    public let etag: String
    private let headers: HTTPHeaders

    /// `headers` are sent on `200` and `304` alike (security policy, caching).
    public init(body: [UInt8], contentType: String, cacheControl: String, headers: HTTPHeaders = HTTPHeaders()) {
        self.body = body
        self.etag = "\"" + Self.fingerprint(of: body) + "\""
        var all = headers
        all.set("Content-Type", contentType)
        all.set("Cache-Control", cacheControl)
        all.set("ETag", etag)
        self.headers = all
    }

    /// 16 hex digits naming the content, for cache-busting asset URLs.
    public var fingerprint: String { String(etag.dropFirst().dropLast()) }

    /// The answer to a `GET` or `HEAD` of this asset.
    public func response(to head: HTTPRequestHead) -> HTTPResponse {
        if let condition = head.headers["If-None-Match"], Self.matches(condition, etag: etag) {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        return HTTPResponse(status: .ok, headers: headers, body: body)
    }

    /// Whether an `If-None-Match` value names `etag` (weak comparison, RFC 9110 §13.1.2).
    static func matches(_ condition: String, etag: String) -> Bool {
        let tags = condition.split(separator: ",").map { $0.trimmingOptionalWhitespace() }
        return tags.contains { tag in
            tag == "*" || (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
        }
    }

    private static func fingerprint(of bytes: [UInt8]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
