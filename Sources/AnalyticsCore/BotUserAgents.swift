/// The one list of user agents that are not people: crawlers, monitors, link previewers, HTTP
/// libraries and headless browsers.
///
/// The producer marks their events as bot traffic and the consumer leaves them out of visitors
/// (unless `COUNT_BOTS=true`); the device and browser tables call them `bot`/`Bot`. Matching is
/// ASCII case-insensitive: a token anywhere, or a library's name at the start.
public enum BotUserAgents {
    /// Found anywhere in the user agent (Googlebot, bingbot, AhrefsBot, HeadlessChrome, ...).
    static let tokens = ASCIITokenSet([
        "bot", "crawler", "spider", "crawling", "headless", "slurp", "lighthouse", "pagespeed", "phantomjs",
        "puppeteer", "playwright", "selenium", "facebookexternalhit", "preview", "monitor", "uptime",
        "scanner", "archiver",
    ])
    /// The start of the user agent (HTTP libraries and command-line clients).
    static let prefixes = ASCIITokenSet([
        "curl/", "wget/", "python-requests/", "python-urllib/", "python-httpx/", "aiohttp/", "go-http-client/",
        "java/", "okhttp/", "axios/", "node-fetch/", "undici", "libwww-perl/", "apache-httpclient/", "httpie/",
        "postmanruntime/", "insomnia/", "ruby", "php/", "guzzlehttp/", "dart:io", "reqwest/", "kcat",
    ])

    public static func isBot(_ userAgent: String?) -> Bool {
        guard let userAgent, !userAgent.isEmpty else { return false }
        return userAgent.withUTF8InPlace { tokens.occurs(in: $0) || prefixes.begins($0) }
    }
}
