/// Cuts a page's `url` or `referrer` down to what analytics needs before it is published: the
/// scheme, host and path as written, and only the query parameters that name a campaign.
///
/// It exists because browsers send the whole `location.href`: password-reset tokens, e-mail
/// addresses and OAuth fragments in a URL would otherwise reach the topic, the partial states
/// and the dashboard. The rules (docs/ingestion.md):
/// - the fragment (`#` and everything after it) is dropped;
/// - `&` and `;` both end a pair, so nothing hides inside a kept value; kept pairs are joined
///   with `&`, in the order they came, repeated names included, byte for byte as written;
/// - a pair is kept when its percent-decoded name is exactly one of `keptParameters` (so
///   `UTM_SOURCE`, which `Campaign` would not read either, is dropped) and its name and value
///   percent-decode to UTF-8 text; an empty value is kept;
/// - a query with nothing kept loses its `?`.
///
/// A URL without `?` or `#` is returned as it is, without a copy (most page views).
public struct URLRedactor: Sendable {
    /// The parameters analytics reads (`Campaign`), kept unless more are listed.
    public static let defaultKeptParameters = [
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "ref", "source",
    ]

    /// Every parameter name kept: the defaults, then the ones listed (`KEPT_QUERY_PARAMETERS`).
    public let keptParameters: [String]
    /// `keptParameters` as bytes, compared without making strings.
    private let keptNames: [[UInt8]]

    /// A redactor keeping `defaultKeptParameters` and `more`.
    public init(alsoKept more: [String] = []) {
        var names = Self.defaultKeptParameters
        for name in more where !names.contains(name) { names.append(name) }
        keptParameters = names
        keptNames = names.map { Array($0.utf8) }
    }

    /// `text` when it can name a kept parameter in a setting (ASCII letters, digits and `_-.[]`,
    /// at most 100 of them), else nil.
    public static func parameterName(_ text: String) -> String? {
        guard !text.isEmpty, text.utf8.count <= 100, text.utf8.allSatisfy(isNameByte) else { return nil }
        return text
    }

    /// `path` (an event's own, which may carry a query) up to its first `?` or `#`: a page is
    /// counted by its path alone, as the path derived from `url` is.
    public func redact(path: String) -> String {
        let end = path.withUTF8InPlace { bytes in
            bytes.firstIndex { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }
        }
        guard let end else { return path }
        return String(decoding: path.utf8.prefix(end), as: UTF8.self)
    }

    /// `url` without its fragment and without the query parameters that are not kept.
    public func redact(_ url: String) -> String {
        let redacted = url.withUTF8InPlace { bytes -> String? in
            guard let cut = bytes.firstIndex(where: { $0 == UInt8(ascii: "?") || $0 == UInt8(ascii: "#") }) else {
                return nil
            }
            var output: [UInt8] = []
            output.reserveCapacity(bytes.count)
            output.append(contentsOf: bytes[..<cut])
            if bytes[cut] == UInt8(ascii: "?") {
                let queryEnd = bytes[(cut + 1)...].firstIndex(of: UInt8(ascii: "#")) ?? bytes.count
                var separator = UInt8(ascii: "?")
                let pairs = bytes[(cut + 1)..<queryEnd].split { $0 == UInt8(ascii: "&") || $0 == UInt8(ascii: ";") }
                for pair in pairs where isKept(pair) {
                    output.append(separator)
                    output.append(contentsOf: pair)
                    separator = UInt8(ascii: "&")
                }
            }
            return String(decoding: output, as: UTF8.self)
        }
        return redacted ?? url
    }

    /// Whether `pair` (`name=value`, or a name alone) names a kept parameter and decodes.
    private func isKept(_ pair: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        let equals = pair.firstIndex(of: UInt8(ascii: "="))
        let name = pair[..<(equals ?? pair.endIndex)]
        guard !name.isEmpty else { return false }
        let isKeptName: Bool
        if name.contains(where: { $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "+") }) {
            guard let decoded = try? QueryParameters.decode(name, parameter: "") else { return false }
            isKeptName = keptNames.contains { $0.elementsEqual(decoded.utf8) }
        } else {
            isKeptName = keptNames.contains { $0.elementsEqual(name) }
        }
        guard isKeptName, let equals else { return isKeptName }
        let value = pair[(equals + 1)...]
        // A value that does not decode would make `Campaign` skip the whole query.
        return !value.contains(UInt8(ascii: "%")) || (try? QueryParameters.decode(value, parameter: "")) != nil
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."),
            UInt8(ascii: "["), UInt8(ascii: "]"):
            return true
        default:
            return false
        }
    }
}
