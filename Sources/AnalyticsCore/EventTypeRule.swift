/// The rule for event type names: built-ins plus custom names matching `^[a-z][a-z0-9_]{0,63}$`.
///
/// It exists as its own type so the producer's validation and the consumer's record check apply
/// exactly the same rule.
public enum EventTypeRule {
    /// The types the original project knew about.
    public static let builtIn: [String] = ["page_view", "click", "session"]

    /// The rule in words, for error messages.
    public static let description =
        "\"type\" must be page_view, click, session, or a custom name of 1 to 64 lowercase letters, digits and underscores that starts with a letter"

    public static func isValid(_ type: String) -> Bool {
        let bytes = type.utf8
        guard let first = bytes.first, bytes.count <= 64, first >= 0x61, first <= 0x7A else { return false }
        return bytes.allSatisfy { byte in
            (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x5F
        }
    }
}
