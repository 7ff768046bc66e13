import ASCIIText

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
    /// The body gzipped, with its own tag and headers, when the asset offers it.
    private let gzipped: (body: [UInt8], headers: HTTPHeaders)?

    /// `headers` are sent on `200` and `304` alike (security policy, caching). With `offeringGzip`
    /// the body is also compressed once, here, and sent gzipped to clients that accept it (a
    /// representation of its own: its `ETag` ends in `-gzip`, and both carry `Vary`).
    public init(
        body: [UInt8], contentType: String, cacheControl: String, headers: HTTPHeaders = HTTPHeaders(),
        offeringGzip: Bool = false
    ) {
        self.body = body
        self.etag = "\"" + Self.fingerprint(of: body) + "\""
        var all = headers
        all.set("Content-Type", contentType)
        all.set("Cache-Control", cacheControl)
        all.set("ETag", etag)
        if offeringGzip, let compressed = GzipCompressor.compress(body), compressed.count < body.count {
            all.set("Vary", "Accept-Encoding")
            var zipped = all
            zipped.set("ETag", "\"" + Self.fingerprint(of: body) + "-gzip\"")
            zipped.set("Content-Encoding", "gzip")
            gzipped = (compressed, zipped)
        } else {
            gzipped = nil
        }
        self.headers = all
    }

    /// The gzipped body, when the asset offers one.
    public var gzippedBody: [UInt8]? { gzipped?.body }

    /// 16 hex digits naming the content, for cache-busting asset URLs.
    public var fingerprint: String { String(etag.dropFirst().dropLast()) }

    /// The answer to a `GET` or `HEAD` of this asset.
    public func response(to head: HTTPRequestHead) -> HTTPResponse {
        var (body, headers) = (self.body, self.headers)
        if let gzipped, Self.acceptsGzip(head.headers["Accept-Encoding"]) { (body, headers) = gzipped }
        if let condition = head.headers["If-None-Match"], let etag = headers["ETag"],
            Self.matches(condition, etag: etag)
        {
            return HTTPResponse(status: .notModified, headers: headers)
        }
        return HTTPResponse(status: .ok, headers: headers, body: body)
    }

    /// Whether an `Accept-Encoding` value accepts gzip: `gzip` or `*` listed without `q=0`.
    static func acceptsGzip(_ header: String?) -> Bool {
        guard let header else { return false }
        var verdict: Bool?
        for item in header.asciiLowercased.split(separator: ",") {
            let parts = item.split(separator: ";").map { String($0.trimmingSpacesAndTabs) }
            guard let coding = parts.first, coding == "gzip" || coding == "x-gzip" || coding == "*" else { continue }
            let refused = parts.dropFirst().contains {
                String($0.filter { $0 != " " }).wholeMatch(of: /q=0(\.0{0,3})?/) != nil
            }
            if coding == "*" { verdict = verdict ?? !refused } else { verdict = !refused }
        }
        return verdict ?? false
    }

    /// Whether an `If-None-Match` value names `etag` (weak comparison, RFC 9110 §13.1.2).
    static func matches(_ condition: String, etag: String) -> Bool {
        let tags = condition.split(separator: ",").map { String($0.trimmingSpacesAndTabs) }
        return tags.contains { tag in
            tag == "*" || (tag.hasPrefix("W/") ? String(tag.dropFirst(2)) : tag) == etag
        }
    }

    private static func fingerprint(of bytes: [UInt8]) -> String {
        HexDigits.sixteen(FNV1a.hash(bytes))
    }
}
