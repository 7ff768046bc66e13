/// A conversion the site owner counts (`GOALS`): an event of a name (`Signup=event:signup`) or a
/// page view of a path (`Thanks=page:/thank-you`). Queries filter and group by goals
/// (`event:goal`) and compute `conversion_rate` from them.
public struct Goal: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case event(String)
        case page(String)
    }

    public var name: String
    public var kind: Kind

    /// `name=event:<event type>` or `name=page:<path>`; a name of 1 to 120 printable characters
    /// without `=` or `,`.
    public init?(_ text: String) {
        guard let equals = text.firstIndex(of: "=") else { return nil }
        let name = text[..<equals].trimmingCharacters(in: .whitespaces)
        let definition = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces)
        guard (1...120).contains(name.utf8.count),
            name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
        else { return nil }
        if definition.hasPrefix("event:"), definition.utf8.count > 6, definition.utf8.count <= 106 {
            self.init(name: name, kind: .event(String(definition.dropFirst(6))))
        } else if definition.hasPrefix("page:/"), definition.utf8.count <= 2053 {
            self.init(name: name, kind: .page(String(definition.dropFirst(5))))
        } else {
            return nil
        }
    }

    public init(name: String, kind: Kind) {
        self.name = name
        self.kind = kind
    }

    public static let allowed =
        "comma-separated name=event:<event type> or name=page:<path> pairs, such as Signup=event:signup,Thanks=page:/thank-you"
}
