/// Reads device class and browser family from a `User-Agent` string.
///
/// Order matters and is the point of this type: Edge and Opera also say "Chrome", and Chrome also
/// says "Safari", so the most specific tokens are checked first. Matching is ASCII
/// case-insensitive over the bytes (Foundation's `contains` bridged to NSString and took two
/// thirds of the consumer's time).
public enum UserAgentClassifier {
    /// `bot` (`BotUserAgents`), `tablet`, `mobile`, `desktop`, or `unknown` when there is no user agent.
    public static func device(_ userAgent: String?) -> String {
        guard let userAgent, !userAgent.isEmpty else { return "unknown" }
        if BotUserAgents.isBot(userAgent) { return "bot" }
        let text = LowercasedASCII(userAgent)
        if text.contains("ipad") || text.contains("tablet") || (text.contains("android") && !text.contains("mobile")) {
            return "tablet"
        }
        if text.contains("mobi") || text.contains("iphone") || text.contains("android") { return "mobile" }
        return "desktop"
    }

    /// `Edge`, `Opera`, `Samsung Internet`, `Chrome`, `Firefox`, `Safari`, `Internet Explorer`,
    /// `Bot`, `Other`, or `Unknown` when there is no user agent.
    public static func browser(_ userAgent: String?) -> String {
        guard let userAgent, !userAgent.isEmpty else { return "Unknown" }
        if BotUserAgents.isBot(userAgent) { return "Bot" }
        let text = LowercasedASCII(userAgent)
        if text.contains("edg/") || text.contains("edge/") || text.contains("edga/") || text.contains("edgios/") {
            return "Edge"
        }
        if text.contains("opr/") || text.contains("opera") { return "Opera" }
        if text.contains("samsungbrowser/") { return "Samsung Internet" }
        if text.contains("firefox/") || text.contains("fxios/") { return "Firefox" }
        if text.contains("chrome/") || text.contains("crios/") || text.contains("chromium/") { return "Chrome" }
        if text.contains("safari/") { return "Safari" }
        if text.contains("msie ") || text.contains("trident/") { return "Internet Explorer" }
        return "Other"
    }

    /// `Windows`, `macOS`, `iOS`, `Android`, `ChromeOS`, `Linux`, `Bot`, `Other`, or `Unknown`
    /// when there is no user agent.
    ///
    /// Checked most specific first: Android and ChromeOS agents also say "Linux", and iOS agents
    /// say "like Mac OS X". An iPad asking for desktop sites sends a Mac's agent and counts as
    /// macOS: nothing in the text tells them apart. BSDs and Windows Phone are `Other`.
    public static func operatingSystem(_ userAgent: String?) -> String {
        guard let userAgent, !userAgent.isEmpty else { return "Unknown" }
        if BotUserAgents.isBot(userAgent) { return "Bot" }
        let text = LowercasedASCII(userAgent)
        if text.contains("windows phone") || text.contains("bsd") { return "Other" }
        if text.contains("cros ") { return "ChromeOS" }
        if text.contains("android") { return "Android" }
        if text.contains("iphone") || text.contains("ipad") || text.contains("ipod") { return "iOS" }
        if text.contains("macintosh") || text.contains("mac os x") { return "macOS" }
        if text.contains("windows") { return "Windows" }
        if text.contains("linux") || text.contains("x11") { return "Linux" }
        return "Other"
    }
}
