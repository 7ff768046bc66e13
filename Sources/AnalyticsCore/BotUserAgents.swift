import ASCIIText

/// The one list of user agents that are not people: crawlers, link previewers, monitors, headless
/// browsers, and HTTP libraries and command-line tools.
///
/// The producer marks events whose visitor's user agent is one of them as bot traffic
/// (`VisitorAgent`), and the consumer leaves them out of visitors (unless `COUNT_BOTS=true`); the
/// device and browser tables call them `bot`/`Bot`. Matching is ASCII case-insensitive: a token
/// anywhere, or a library's name at the start.
public enum BotUserAgents {
    /// Found anywhere in the user agent. When several are, the most specific kind names it
    /// (`Slackbot-LinkExpanding` is a link previewer, though it also says "bot").
    static let anywhere: [(token: String, kind: BotKind)] = [
        // Headless and automated browsers, and the auditors that drive them.
        ("headless", .headlessBrowser), ("phantomjs", .headlessBrowser), ("puppeteer", .headlessBrowser),
        ("playwright", .headlessBrowser), ("selenium", .headlessBrowser), ("webdriver", .headlessBrowser),
        ("lighthouse", .headlessBrowser), ("pagespeed", .headlessBrowser), ("gtmetrix", .headlessBrowser),
        ("cypress", .headlessBrowser), ("jsdom", .headlessBrowser), ("prerender", .headlessBrowser),
        ("pagerenderer", .headlessBrowser),
        // Link previewers: chat apps and social networks fetching a shared link.
        ("facebookexternalhit", .linkPreviewer), ("facebookcatalog", .linkPreviewer), ("preview", .linkPreviewer),
        ("slackbot", .linkPreviewer), ("twitterbot", .linkPreviewer), ("discordbot", .linkPreviewer),
        ("telegrambot", .linkPreviewer), ("linkedinbot", .linkPreviewer), ("whatsapp", .linkPreviewer),
        ("embedly", .linkPreviewer), ("redditbot", .linkPreviewer), ("vkshare", .linkPreviewer),
        ("iframely", .linkPreviewer), ("mastodon", .linkPreviewer), ("cardyb", .linkPreviewer),
        // Uptime and synthetic monitors.
        ("monitor", .monitor), ("uptime", .monitor), ("pingdom", .monitor), ("statuscake", .monitor),
        ("site24x7", .monitor), ("synthetics", .monitor), ("newrelicpinger", .monitor), ("checkly", .monitor),
        ("hetrixtools", .monitor), ("check_http", .monitor), ("zabbix", .monitor), ("blackbox", .monitor),
        ("nodeping", .monitor),
        // Crawlers: search engines, AI and SEO crawlers, archivers, scanners.
        ("bot", .crawler), ("crawl", .crawler), ("spider", .crawler), ("slurp", .crawler), ("archiver", .crawler),
        ("scanner", .crawler), ("scrapy", .crawler), ("mediapartners", .crawler), ("feedfetcher", .crawler),
        ("inspectiontool", .crawler),
        // HTTP libraries that name themselves after the application's name. (A native app's own
        // agent, "<app>/1 CFNetwork/1494 Darwin/23.4.0" or "Dalvik/2.1.0 (Linux; U; Android 14)",
        // is not here: it is the visitor's device.)
        ("(unknown version) curl/", .httpClient),  // URLSession on Linux: "<process> (unknown version) curl/8.5.0"
        ("powershell/", .httpClient),
    ]

    /// Words of real devices that contain a token (Cubot phones say "CUBOT"): a token found
    /// inside one of these does not count.
    static let notBots: [String] = ["cubot"]

    /// The start of the user agent: HTTP libraries and command-line clients. Browsers all begin
    /// `Mozilla/` (or `Opera/`), so none of these can be one.
    static let libraries: [String] = [
        "curl/", "libcurl", "wget/", "aria2/", "httpie/", "kcat", "python", "aiohttp/", "go-http-client/",
        "go-resty/", "fasthttp", "java", "okhttp/", "apache-http", "jakarta commons", "node-fetch", "node/", "axios/",
        "undici", "got (", "deno/", "bun/", "libwww-perl/", "lwp::", "http-tiny/", "mojolicious", "postmanruntime/",
        "insomnia/", "thunder client", "ruby", "faraday", "rest-client/", "http.rb/", "typhoeus", "php/",
        "guzzlehttp/", "symfony httpclient", "wordpress/", "dart/", "dart:io", "isahc/", "hackney/",
        "swift httpclient", "restsharp/", "winhttp", "httpclient/", "lua-resty-http", "apachebench/", "k6/",
    ]

    /// Whole user agents of libraries whose name alone is their agent, too short to be a prefix
    /// (Node's `fetch` sends "node"; "NodePing" is a monitor).
    static let libraryNames: Set<String> = ["node"]

    static let anywhereTokens = ASCIITokenSet(anywhere.map(\.token))
    static let libraryTokens = ASCIITokenSet(libraries)
    static let notBotTokens = ASCIITokenSet(notBots)

    /// Whether the user agent is on the list, of whatever kind.
    public static func isBot(_ userAgent: String?) -> Bool {
        guard let userAgent, !userAgent.isEmpty else { return false }
        return match(userAgent) != nil
    }

    /// What the user agent is, and the part of it that says so; nil for a browser (or anything
    /// else not on the list).
    public static func match(_ userAgent: String) -> BotMatch? {
        userAgent.withUTF8InPlace { text -> BotMatch? in
            var found = anywhereTokens.firstOccurrences(in: text)
            if !found.isEmpty {
                let devices = notBotTokens.firstOccurrences(in: text).map(\.range)
                found.removeAll { token in devices.contains { $0.contains(token.range.lowerBound) } }
            }
            // The most specific kind wins, then the earliest place.
            let best = found.min { first, second in
                let (firstKind, secondKind) = (anywhere[first.token].kind, anywhere[second.token].kind)
                return firstKind == secondKind
                    ? first.range.lowerBound < second.range.lowerBound : firstKind < secondKind
            }
            if let best {
                return BotMatch(kind: anywhere[best.token].kind, userAgent: text, around: best.range)
            }
            if let library = libraryTokens.prefix(of: text) {
                return BotMatch(kind: .httpClient, userAgent: text, around: library.range)
            }
            if text.count <= 8, libraryNames.contains(String(decoding: text.map(\.asciiLowercased), as: UTF8.self)) {
                return BotMatch(kind: .httpClient, userAgent: text, around: 0..<text.count)
            }
            return nil
        }
    }
}
