/// Reads device class and browser family from a `User-Agent` string.
///
/// Order matters and is the point of this type: Edge and Opera also say "Chrome", and Chrome also
/// says "Safari", so the most specific tokens are checked first.
public enum UserAgentClassifier {
    /// `bot`, `tablet`, `mobile`, `desktop`, or `unknown` when there is no user agent.
    public static func device(_ userAgent: String?) -> String {
        guard let userAgent, !userAgent.isEmpty else { return "unknown" }
        let lowered = userAgent.lowercased()
        if isBot(lowered) { return "bot" }
        if lowered.contains("ipad") || lowered.contains("tablet")
            || (lowered.contains("android") && !lowered.contains("mobile"))
        {
            return "tablet"
        }
        if lowered.contains("mobi") || lowered.contains("iphone") || lowered.contains("android") {
            return "mobile"
        }
        return "desktop"
    }

    /// `Edge`, `Opera`, `Samsung Internet`, `Chrome`, `Firefox`, `Safari`, `Internet Explorer`,
    /// `Bot`, `Other`, or `Unknown` when there is no user agent.
    public static func browser(_ userAgent: String?) -> String {
        guard let userAgent, !userAgent.isEmpty else { return "Unknown" }
        let lowered = userAgent.lowercased()
        if isBot(lowered) { return "Bot" }
        if lowered.contains("edg/") || lowered.contains("edge/") || lowered.contains("edga/")
            || lowered.contains("edgios/")
        {
            return "Edge"
        }
        if lowered.contains("opr/") || lowered.contains("opera") { return "Opera" }
        if lowered.contains("samsungbrowser/") { return "Samsung Internet" }
        if lowered.contains("firefox/") || lowered.contains("fxios/") { return "Firefox" }
        if lowered.contains("chrome/") || lowered.contains("crios/") || lowered.contains("chromium/") {
            return "Chrome"
        }
        if lowered.contains("safari/") { return "Safari" }
        if lowered.contains("msie ") || lowered.contains("trident/") { return "Internet Explorer" }
        return "Other"
    }

    private static func isBot(_ lowered: String) -> Bool {
        lowered.contains("bot") || lowered.contains("crawler") || lowered.contains("spider")
            || lowered.contains("headless") || lowered.hasPrefix("curl/") || lowered.hasPrefix("wget/")
    }
}
