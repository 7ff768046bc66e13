import Foundation

/// Reads typed settings from environment variables, with defaults and one-line errors.
///
/// It exists so that both services validate their configuration the same way and fail at start,
/// never later, on a bad value.
public struct EnvironmentReader: Sendable {
    private let values: [String: String]

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.values = values
    }

    /// The raw value, or nil when unset or empty.
    public func raw(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    public func string(_ name: String, default fallback: String) -> String {
        raw(name) ?? fallback
    }

    public func integer(_ name: String, default fallback: Int, range: ClosedRange<Int>) throws(ConfigurationError)
        -> Int
    {
        guard let text = raw(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                variable: name, value: text, allowed: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    public func port(_ name: String, default fallback: Int) throws(ConfigurationError) -> Int {
        try integer(name, default: fallback, range: 0...65_535)
    }

    public func choice(_ name: String, default fallback: String, allowed: [String]) throws(ConfigurationError) -> String
    {
        guard let text = raw(name) else { return fallback }
        guard allowed.contains(text.lowercased()) else {
            throw ConfigurationError(variable: name, value: text, allowed: "one of " + allowed.joined(separator: ", "))
        }
        return text.lowercased()
    }

    /// A comma-separated `host:port` list.
    public func brokers(_ name: String, default fallback: String) throws(ConfigurationError) -> String {
        let text = raw(name) ?? fallback
        let entries = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        let valid =
            !entries.isEmpty
            && entries.allSatisfy { entry in
                guard let colon = entry.lastIndex(of: ":"), let port = Int(entry[entry.index(after: colon)...]) else {
                    return false
                }
                return colon > entry.startIndex && (1...65_535).contains(port)
            }
        guard valid else {
            throw ConfigurationError(
                variable: name, value: text, allowed: "a comma-separated list of host:port, such as localhost:9092")
        }
        return entries.joined(separator: ",")
    }

    /// A secret such as an access token, or nil when unset: 16–256 characters that need no
    /// escaping in a URL, a header or a cookie (`[A-Za-z0-9._~-]`, e.g. `openssl rand -hex 32`).
    /// A bad value is reported by its length only, so the secret never reaches a log.
    public func token(_ name: String) throws(ConfigurationError) -> String? {
        guard let text = raw(name) else { return nil }
        guard (16...256).contains(text.utf8.count), Self.consists(of: text, lettersDigitsAnd: "._~-") else {
            throw ConfigurationError(
                variable: name, value: "(\(text.utf8.count) characters, not shown)",
                allowed: "16 to 256 letters, digits, '.', '_', '~' or '-' (for example: openssl rand -hex 32)")
        }
        return text
    }

    /// A Kafka topic name: 1–249 of `[a-zA-Z0-9._-]`.
    public func topic(_ name: String, default fallback: String) throws(ConfigurationError) -> String {
        let text = raw(name) ?? fallback
        guard !text.isEmpty, text.count <= 249, Self.consists(of: text, lettersDigitsAnd: "._-"), text != ".",
            text != ".."
        else {
            throw ConfigurationError(
                variable: name, value: text, allowed: "a Kafka topic name of 1 to 249 letters, digits, '.', '_' or '-'")
        }
        return text
    }

    /// A comma-separated list whose every entry `parse` accepts; empty entries are skipped and an
    /// unset variable is the empty list. The error names the first entry refused.
    public func list<Entry>(_ name: String, allowed: String, parse: (String) -> Entry?) throws(ConfigurationError)
        -> [Entry]
    {
        guard let text = raw(name) else { return [] }
        var entries: [Entry] = []
        for piece in text.split(separator: ",") {
            let item = piece.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            guard let entry = parse(item) else {
                throw ConfigurationError(variable: name, value: text, allowed: "\(allowed) (\"\(item)\" is not)")
            }
            entries.append(entry)
        }
        return entries
    }

    /// Whether every character of `text` is an ASCII letter, an ASCII digit or one of `others`.
    private static func consists(of text: String, lettersDigitsAnd others: StaticString) -> Bool {
        let extra = UnsafeBufferPointer(start: others.utf8Start, count: others.utf8CodeUnitCount)
        return text.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || extra.contains(byte)
        }
    }
}
