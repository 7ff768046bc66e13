/// What kind of software, not a person, a user agent names (`BotUserAgents`).
///
/// It exists so the answer to a sender can say *why* an event was counted as bot traffic, in words
/// a web developer recognises. The cases are in order of specificity: when a user agent names more
/// than one (a link previewer whose name ends in "bot"), the first one in this order names it.
public enum BotKind: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
    case headlessBrowser
    case linkPreviewer
    case monitor
    case crawler
    /// An HTTP library or command-line tool. As the request's `User-Agent` it is a server or script
    /// relaying the event (the visitor's agent is unknown, the event counts); named as the
    /// visitor's `user_agent` in the body, it is bot traffic.
    case httpClient

    /// The kind in a few words, with its article: "a crawler".
    public var description: String {
        switch self {
        case .headlessBrowser: "a headless or automated browser"
        case .linkPreviewer: "a link previewer"
        case .monitor: "an uptime monitor"
        case .crawler: "a crawler"
        case .httpClient: "an HTTP library or command-line tool, not a browser"
        }
    }

    public static func < (lhs: BotKind, rhs: BotKind) -> Bool { lhs.rawValue < rhs.rawValue }
}
