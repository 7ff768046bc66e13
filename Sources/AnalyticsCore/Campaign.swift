/// The campaign a page view came from, read from its URL's `utm_source`, `utm_medium`,
/// `utm_campaign` and `ref` parameters (as Google Analytics and Plausible read them).
///
/// The traffic source of a visit is the campaign's source when the URL names one, else the
/// referrer's host (`TrafficSource`).
public struct Campaign: Sendable, Equatable {
    /// `utm_source`, else `ref`.
    public var source: String?
    public var medium: String?
    public var name: String?

    public init(source: String? = nil, medium: String? = nil, name: String? = nil) {
        self.source = source
        self.medium = medium
        self.name = name
    }

    /// Longest value kept; campaign tags are short, a longer one is cut.
    static let maxLength = 100

    /// The campaign tags of `url`, or nil when it has none. A URL without a `?` is not parsed, one
    /// without `utm_` or `ref=` in its query not decoded (most page views).
    public init?(url: String?) {
        guard let url, url.withUTF8InPlace({ $0.contains(UInt8(ascii: "?")) }),
            let query = WebURL.query(of: url),
            query.utf8.count >= 4, query.contains("utm_") || query.contains("ref=")
        else { return nil }
        guard let pairs = try? QueryParameters.parse(query) else { return nil }
        func value(_ name: String) -> String? {
            pairs.first { $0.name == name }.map { String($0.value.trimmingSpaces.prefix(Self.maxLength)) }
                .flatMap { $0.isEmpty ? nil : $0 }
        }
        source = value("utm_source") ?? value("ref")
        medium = value("utm_medium")
        name = value("utm_campaign")
        if source == nil && medium == nil && name == nil { return nil }
    }
}

extension String {
    fileprivate var trimmingSpaces: Substring {
        guard let first = firstIndex(where: { $0 != " " }), let last = lastIndex(where: { $0 != " " }) else {
            return ""
        }
        return self[first...last]
    }
}
