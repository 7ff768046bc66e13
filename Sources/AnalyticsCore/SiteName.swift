import ASCIIText

/// Which website an event belongs to, so that one deployment can count many sites apart.
///
/// The site is the event's `site` member when it gives one, else the host of its `url` without a
/// leading `www.`, else the host of the request's `Origin`, else the deployment's `DEFAULT_SITE`
/// (design §3). Every record carries it, the visitor id is salted with it, and the consumer keeps
/// one live view per site.
public enum SiteName {
    /// The longest host name DNS allows.
    public static let maxLength = 253

    /// The rule a given `site` (and `DEFAULT_SITE`, and each `SITES` entry) must follow, in words.
    public static let rule =
        "a host name: letters, digits, hyphens and dots, at most \(maxLength) characters, such as shop.example.com"

    /// A site name as given, lowercased; nil unless it is a host name: ASCII letters, digits and
    /// hyphens in dot-separated labels of 1 to 63, at most 253 in all.
    public static func normalized(_ text: some StringProtocol) -> String? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= maxLength else { return nil }
        var label = 0
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "."):
                guard label > 0 else { return nil }
                label = 0
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"):
                label += 1
                guard label <= 63 else { return nil }
            default:
                return nil
            }
        }
        guard label > 0 else { return nil }
        return String(text).asciiLowercased
    }

    /// The site of an event: `site` (already `normalized`), else the `url`'s host without `www.`,
    /// else the `Origin` header's host, else `fallback`. A host longer than a DNS name can be is
    /// passed over.
    public static func resolve(site: String?, url: String?, origin: String?, fallback: String) -> String {
        if let site { return site }
        if let host = url.flatMap(WebURL.host(of:)).flatMap(usableHost) { return host }
        if let host = origin.flatMap(WebURL.host(of:)).flatMap(usableHost) { return host }
        return fallback
    }

    /// A URL host as a site: without a leading `www.`, nil when too long to be a host name.
    static func usableHost(_ host: String) -> String? {
        guard host.utf8.count <= maxLength else { return nil }
        if host.hasPrefix("www."), host.utf8.count > 4 { return String(host.dropFirst(4)) }
        return host
    }
}
