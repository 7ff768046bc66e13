import ASCIIText
import Foundation

/// Reads typed settings from environment variables, with defaults and one-line errors.
///
/// It exists so that both services validate their configuration the same way and fail at start,
/// never later, on a bad value.
public struct EnvironmentReader: Sendable {
    private let values: [String: String]
    /// Set when the reader only collects what is read, for `--help`.
    private let recorder: SettingRecorder?

    public init(_ values: [String: String] = ProcessInfo.processInfo.environment) {
        self.init(values, recorder: nil)
    }

    init(_ values: [String: String], recorder: SettingRecorder?) {
        self.values = values
        self.recorder = recorder
    }

    // Every reading method takes what the setting `means` and, where the default is not a plain
    // value (it follows from another setting), how to `show` it: the help is made of these.

    /// The raw value, or nil when unset or empty.
    private func raw(_ name: String) -> String? {
        guard let value = values[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    private func note(_ name: String, default fallback: String, allowed: String, means summary: String) {
        recorder?.record(
            SettingDescription(name: name, defaultValue: fallback, allowed: allowed, summary: summary))
    }

    /// Any text: for names the service passes on as they are (a consumer group id).
    public func string(_ name: String, default fallback: String, means summary: String) -> String {
        note(name, default: fallback, allowed: "any text", means: summary)
        return raw(name) ?? fallback
    }

    /// A secret of any form (a password), or nil when unset: never shown, in help or errors.
    public func secret(_ name: String, means summary: String) -> String? {
        note(name, default: "(unset)", allowed: "any text", means: summary)
        return raw(name)
    }

    public func integer(
        _ name: String, default fallback: Int, range: ClosedRange<Int>, means summary: String, shown: String? = nil
    ) throws(ConfigurationError) -> Int {
        let allowed = "a whole number from \(range.lowerBound) to \(range.upperBound)"
        note(name, default: shown ?? String(fallback), allowed: allowed, means: summary)
        guard let text = raw(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable: name, value: text, allowed: allowed)
        }
        return value
    }

    public func port(_ name: String, default fallback: Int, means summary: String) throws(ConfigurationError) -> Int {
        try integer(name, default: fallback, range: 0...65_535, means: summary)
    }

    public func choice(_ name: String, default fallback: String, allowed: [String], means summary: String)
        throws(ConfigurationError) -> String
    {
        let described = "one of " + allowed.joined(separator: ", ")
        note(name, default: fallback, allowed: described, means: summary)
        guard let text = raw(name) else { return fallback }
        guard allowed.contains(text.lowercased()) else {
            throw ConfigurationError(variable: name, value: text, allowed: described)
        }
        return text.lowercased()
    }

    /// `true` or `false`.
    public func flag(_ name: String, default fallback: Bool, means summary: String) throws(ConfigurationError) -> Bool {
        try choice(name, default: fallback ? "true" : "false", allowed: ["true", "false"], means: summary) == "true"
    }

    /// A comma-separated `host:port` list.
    public func brokers(_ name: String, default fallback: String, means summary: String) throws(ConfigurationError)
        -> String
    {
        let allowed = "a comma-separated list of host:port, such as localhost:9092"
        note(name, default: fallback, allowed: allowed, means: summary)
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
        guard valid else { throw ConfigurationError(variable: name, value: text, allowed: allowed) }
        return entries.joined(separator: ",")
    }

    /// A host name or an IPv4 or IPv6 address to listen on.
    public func host(_ name: String, default fallback: String, means summary: String) throws(ConfigurationError)
        -> String
    {
        let allowed = "a host name or an IP address, such as 0.0.0.0, 127.0.0.1 or ::"
        note(name, default: fallback, allowed: allowed, means: summary)
        let text = raw(name) ?? fallback
        guard text.utf8.count <= 253, Self.consists(of: text, lettersDigitsAnd: ".-:") else {
            throw ConfigurationError(variable: name, value: text, allowed: allowed)
        }
        return text
    }

    /// A secret such as an access token, or nil when unset: 16–256 characters that need no
    /// escaping in a URL, a header or a cookie (`[A-Za-z0-9._~-]`, e.g. `openssl rand -hex 32`).
    /// A bad value is reported by its length only, so the secret never reaches a log.
    public func token(_ name: String, means summary: String) throws(ConfigurationError) -> String? {
        let allowed = "16 to 256 letters, digits, '.', '_', '~' or '-' (for example: openssl rand -hex 32)"
        note(name, default: "(unset)", allowed: allowed, means: summary)
        guard let text = raw(name) else { return nil }
        guard (16...256).contains(text.utf8.count), Self.consists(of: text, lettersDigitsAnd: "._~-") else {
            throw ConfigurationError(
                variable: name, value: "(\(text.utf8.count) characters, not shown)", allowed: allowed)
        }
        return text
    }

    /// Comma-separated `name=token` pairs whose tokens are secrets like `token`'s, or empty when
    /// unset; `parseName` checks and normalizes each name, and a name given twice is refused. An
    /// error shows the names only, never a token.
    public func tokenPairs(_ name: String, names: String, means summary: String, parseName: (String) -> String?)
        throws(ConfigurationError) -> [(name: String, token: String)]
    {
        let allowed =
            "comma-separated \(names)=token pairs, each token 16 to 256 letters, digits, '.', '_', '~' or '-'"
        note(name, default: "(empty)", allowed: allowed, means: summary)
        guard let text = raw(name) else { return [] }
        // Each token opens one name: a token given twice would open whichever came first.
        var pairs: [(name: String, token: String)] = []
        for (index, piece) in text.split(separator: ",").enumerated() {
            let item = piece.trimmingCharacters(in: .whitespaces)
            if item.isEmpty { continue }
            let parts = item.split(separator: "=", maxSplits: 1).map(String.init)
            // A name is shown only once it passed as a name: an entry written token first, or a
            // bare token, shows its length only.
            let shown =
                parts.count == 2
                ? parseName(parts[0]).map { "(entry \(index + 1), \($0)=…, token not shown)" }
                    ?? "(entry \(index + 1), \(item.utf8.count) characters, not shown)"
                : "(entry \(index + 1), \(item.utf8.count) characters without '=', not shown)"
            guard parts.count == 2, let key = parseName(parts[0]),
                !pairs.contains(where: { $0.name == key || $0.token == parts[1] }),
                (16...256).contains(parts[1].utf8.count), Self.consists(of: parts[1], lettersDigitsAnd: "._~-")
            else { throw ConfigurationError(variable: name, value: shown, allowed: allowed) }
            pairs.append((key, parts[1]))
        }
        return pairs
    }

    /// A Kafka topic name: 1–249 of `[a-zA-Z0-9._-]`.
    public func topic(_ name: String, default fallback: String, means summary: String, shown: String? = nil)
        throws(ConfigurationError) -> String
    {
        note(name, default: shown ?? fallback, allowed: Self.topicForm, means: summary)
        let text = raw(name) ?? fallback
        guard Self.isTopicName(text) else {
            throw ConfigurationError(variable: name, value: text, allowed: Self.topicForm)
        }
        return text
    }

    /// A Kafka topic name, or nil when unset: for what is off until a topic is named.
    public func optionalTopic(_ name: String, means summary: String) throws(ConfigurationError) -> String? {
        note(name, default: "(unset)", allowed: Self.topicForm, means: summary)
        guard let text = raw(name) else { return nil }
        guard Self.isTopicName(text) else {
            throw ConfigurationError(variable: name, value: text, allowed: Self.topicForm)
        }
        return text
    }

    private static let topicForm = "a Kafka topic name of 1 to 249 letters, digits, '.', '_' or '-'"

    private static func isTopicName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 249 && consists(of: text, lettersDigitsAnd: "._-") && text != "."
            && text != ".."
    }

    /// One value `parse` accepts; unset is `fallback`, parsed the same way.
    public func value<Value>(
        _ name: String, default fallback: String, allowed: String, means summary: String, parse: (String) -> Value?
    ) throws(ConfigurationError) -> Value {
        note(name, default: fallback, allowed: allowed, means: summary)
        let text = raw(name) ?? fallback
        guard let value = parse(text) else { throw ConfigurationError(variable: name, value: text, allowed: allowed) }
        return value
    }

    /// A comma-separated list whose every entry `parse` accepts; empty entries are skipped and an
    /// unset variable is `fallback` (shown as `shown`). The error names the first entry refused.
    public func list<Entry>(
        _ name: String, default fallback: [Entry] = [], shown: String = "(empty)", allowed: String,
        means summary: String, parse: (String) -> Entry?
    ) throws(ConfigurationError) -> [Entry] {
        note(name, default: shown, allowed: allowed, means: summary)
        guard let text = raw(name) else { return fallback }
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
