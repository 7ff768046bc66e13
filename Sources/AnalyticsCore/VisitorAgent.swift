/// Whose user agent an event carries, and what that makes the event: a visitor's browser, a
/// visitor whose browser is unknown, or bot traffic.
///
/// It exists because the request that carries an event is not always the visitor's: a server or
/// script relaying an event sends its own HTTP library's `User-Agent`, and counting that as a bot
/// silently dropped every server-side event (design §3, "Bots"). The rule:
/// - the body's `user_agent` is the visitor's when present (an empty one says "unknown");
/// - else the request's `User-Agent`, unless it is an HTTP library or command-line tool: then a
///   server or script is relaying, and the visitor's agent is unknown;
/// - the visitor's agent, when known, is bot traffic if it is on `BotUserAgents`' list (a body
///   naming an HTTP library as the visitor's agent included).
public struct VisitorAgent: Sendable, Equatable {
    /// How an event was classified by its visitor's user agent.
    public enum Classification: Sendable, Equatable {
        /// A browser's user agent: a visitor, whose device and browser it tells.
        case browser
        /// No visitor's user agent is known (a server or script relayed the event, or nothing
        /// named one): the event counts fully, with device and browser unknown.
        case unknown
        /// A crawler, link previewer, monitor or headless browser (or a library named as the
        /// visitor's agent): counted apart as bot traffic.
        case bot(BotMatch)

        /// The `classification` label of `events_accepted_total`.
        public var metricLabel: String {
            switch self {
            case .browser: "browser"
            case .unknown: "unknown_agent"
            case .bot: "bot"
            }
        }
    }

    /// The visitor's user agent, as the record carries it; nil when unknown.
    public let userAgent: String?
    public let classification: Classification

    /// Longest user agent kept from the request header, in UTF-8 bytes: the limit validation holds
    /// the body's `user_agent` to (in characters there), design §4.
    public static let maxLength = EventLimits().maxUserAgentLength

    /// The visitor's agent from the event's `user_agent` (`body`) and the request's `User-Agent`.
    public init(body: String?, header: String?) {
        if let body {
            self.init(visitor: body, fromHeader: false)
        } else if let header, !header.isEmpty {
            self.init(visitor: header.prefix(utf8Bytes: Self.maxLength), fromHeader: true)
        } else {
            self.init(userAgent: nil, classification: .unknown)
        }
    }

    private init(visitor userAgent: String, fromHeader: Bool) {
        guard !userAgent.isEmpty else {
            self.init(userAgent: nil, classification: .unknown)
            return
        }
        switch BotUserAgents.match(userAgent) {
        case nil: self.init(userAgent: userAgent, classification: .browser)
        case let match? where match.kind == .httpClient && fromHeader:
            self.init(userAgent: nil, classification: .unknown)
        case let match?: self.init(userAgent: userAgent, classification: .bot(match))
        }
    }

    public init(userAgent: String?, classification: Classification) {
        self.userAgent = userAgent
        self.classification = classification
    }

    /// Whether the event is bot traffic.
    public var isBot: Bool {
        if case .bot = classification { return true }
        return false
    }
}
