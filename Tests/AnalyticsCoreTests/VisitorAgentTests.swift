import AnalyticsCore
import XCTest

/// Whose user agent an event carries (design §3, "Bots"), with the user agents real senders send.
final class VisitorAgentTests: XCTestCase {
    static let chrome =
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36"
    static let googlebot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
    static let headless =
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.224 Safari/537.36"

    /// The default `User-Agent` of every library and tool the issue names, as each really sends it.
    static let libraries = [
        "curl/8.5.0", "Wget/1.21.3", "python-requests/2.31.0", "Python-urllib/3.11", "Python/3.11 aiohttp/3.9.1",
        "python-httpx/0.27.0", "python-urllib3/2.1.0", "Go-http-client/1.1", "Go-http-client/2.0", "okhttp/4.12.0",
        "Java/17.0.15", "Java-http-client/17.0.15", "Apache-HttpClient/4.5.14 (Java/17.0.8)",
        "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)", "node-fetch", "axios/1.6.2", "undici", "node",
        "libwww-perl/6.72", "PostmanRuntime/7.36.0", "HTTPie/3.2.2", "Ruby", "Faraday v2.7.10",
        "GuzzleHttp/7", "Dart/3.2 (dart:io)", "Deno/1.40.0", "Bun/1.0.25", "Swift HTTPClient", "ApacheBench/2.3",
        "k6/0.49.0 (https://k6.io/)",
        // URLSession on Linux (swift-corelibs-foundation).
        "xctest (unknown version) curl/7.88.1",
    ]

    static let browsers = [
        chrome,
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.210 Mobile Safari/537.36",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0.0.0",
        // In-app browsers and desktop apps whose names are close to a previewer's.
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/442.0.0.38.110]",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [Pinterest/iOS]",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) discord/1.0.9032 Chrome/120.0.6099.291 Electron/28.2.10 Safari/537.36",
        // A phone whose brand contains "bot", and native apps' own agents (the visitor's device).
        "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36",
        "MyApp/1 CFNetwork/1494.0.7 Darwin/23.4.0",
        "Dalvik/2.1.0 (Linux; U; Android 14; Pixel 8 Build/UQ1A.240105.004)",
        "MyApp/1.0 (com.example.app; build:1; iOS 17.2.0) Alamofire/5.8.0", "Nodejitsu",
    ]

    /// Real bots of every kind, with the kind and the excerpt the answer names.
    static let bots: [(String, BotKind, String)] = [
        (googlebot, .crawler, "Googlebot/2.1"),
        (
            "Mozilla/5.0 (Linux; Android 6.0.1; Nexus 5X Build/MMB29P) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.224 Mobile Safari/537.36 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
            .crawler, "Googlebot/2.1"
        ),
        ("Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", .crawler, "bingbot/2.0"),
        (
            "Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko); compatible; GPTBot/1.0; +https://openai.com/gptbot",
            .crawler, "GPTBot/1.0"
        ),
        ("Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)", .crawler, "AhrefsBot/7.0"),
        ("Scrapy/2.11.0 (+https://scrapy.org)", .crawler, "Scrapy/2.11.0"),
        (
            "python-requests/2.31.0 (compatible; ExampleBot/1.0)", .crawler, "ExampleBot/1.0"
        ),
        ("Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)", .linkPreviewer, "Slackbot-LinkExpanding"),
        (
            "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)", .linkPreviewer,
            "facebookexternalhit/1.1"
        ),
        ("Twitterbot/1.0", .linkPreviewer, "Twitterbot/1.0"),
        ("WhatsApp/2.23.20.0 A", .linkPreviewer, "WhatsApp/2.23.20.0"),
        ("Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)", .linkPreviewer, "Discordbot/2.0"),
        ("TelegramBot (like TwitterBot)", .linkPreviewer, "TelegramBot"),
        ("http.rb/5.1.1 (Mastodon/4.2.0; +https://mastodon.social/)", .linkPreviewer, "Mastodon/4.2.0"),
        ("Mozilla/5.0+(compatible; UptimeRobot/2.0; http://www.uptimerobot.com/)", .monitor, "UptimeRobot/2.0"),
        ("Pingdom.com_bot_version_1.4_(http://www.pingdom.com/)", .monitor, "Pingdom.com_bot_version_1.4_"),
        ("NodePing", .monitor, "NodePing"),
        (headless, .headlessBrowser, "HeadlessChrome/120.0.6099.224"),
        (
            "Mozilla/5.0 (Linux; Android 11; moto g power (2022)) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Mobile Safari/537.36 Chrome-Lighthouse",
            .headlessBrowser, "Chrome-Lighthouse"
        ),
        ("curl/8.5.0", .httpClient, "curl/8.5.0"),
        ("xctest (unknown version) curl/7.88.1", .httpClient, "curl/7.88.1"),
    ]

    func testTheBodysUserAgentIsTheVisitorsWhateverTheHeaderSays() {
        let agent = VisitorAgent(body: Self.chrome, header: "curl/8.5.0")
        XCTAssertEqual(agent.userAgent, Self.chrome)
        XCTAssertEqual(agent.classification, .browser)
        XCTAssertEqual(VisitorAgent(body: Self.chrome, header: Self.googlebot).classification, .browser)
    }

    func testABrowsersHeaderStandsForTheVisitorWhenTheBodyNamesNone() {
        for browser in Self.browsers {
            let agent = VisitorAgent(body: nil, header: browser)
            XCTAssertEqual(agent.userAgent, browser)
            XCTAssertEqual(agent.classification, .browser, browser)
            XCTAssertEqual(agent.classification.metricLabel, "browser")
        }
    }

    func testALibrarysHeaderIsARelayWhoseVisitorAgentIsUnknown() {
        for library in Self.libraries {
            let agent = VisitorAgent(body: nil, header: library)
            XCTAssertNil(agent.userAgent, library)
            XCTAssertEqual(agent.classification, .unknown, library)
            XCTAssertFalse(agent.isBot, library)
            XCTAssertEqual(agent.classification.metricLabel, "unknown_agent")
        }
        XCTAssertEqual(VisitorAgent(body: nil, header: nil), VisitorAgent(userAgent: nil, classification: .unknown))
        XCTAssertEqual(VisitorAgent(body: nil, header: ""), VisitorAgent(userAgent: nil, classification: .unknown))
        XCTAssertEqual(
            VisitorAgent(body: "", header: Self.chrome), VisitorAgent(userAgent: nil, classification: .unknown),
            "an empty user_agent says the sender does not know it")
    }

    func testALibraryNamedAsTheVisitorsAgentIsABot() {
        for library in Self.libraries {
            let agent = VisitorAgent(body: library, header: nil)
            XCTAssertEqual(agent.userAgent, library)
            XCTAssertTrue(agent.isBot, library)
            guard case .bot(let match) = agent.classification else { continue }
            XCTAssertEqual(match.kind, .httpClient, library)
        }
        guard case .bot(let match) = VisitorAgent(body: "curl/8.5.0", header: nil).classification else {
            return XCTFail("curl in the body is a bot")
        }
        XCTAssertEqual(match.reason, #"user agent "curl/8.5.0" is an HTTP library or command-line tool, not a browser"#)
    }

    func testBotsAreBotsInTheBodyAndInTheHeaderAndTheReasonNamesThem() {
        for (userAgent, kind, excerpt) in Self.bots {
            // A library is a bot only when named as the visitor's agent (a header of one is a relay).
            var agents = [VisitorAgent(body: userAgent, header: Self.chrome)]
            if kind != .httpClient { agents.append(VisitorAgent(body: nil, header: userAgent)) }
            for agent in agents {
                guard case .bot(let match) = agent.classification else {
                    XCTFail("\(userAgent) is \(kind.description)")
                    continue
                }
                XCTAssertEqual(agent.userAgent, userAgent, "a bot's agent is kept on the record")
                XCTAssertEqual(match.kind, kind, userAgent)
                XCTAssertEqual(match.excerpt, excerpt, userAgent)
                XCTAssertTrue(match.reason.contains(excerpt) && match.reason.hasSuffix("is \(kind.description)"))
                XCTAssertEqual(agent.classification.metricLabel, "bot")
            }
        }
        for browser in Self.browsers { XCTAssertNil(BotUserAgents.match(browser), browser) }
    }

    func testTheReasonSaysWhereTheExcerptLiesAndIsSafeText() {
        guard case .bot(let google) = VisitorAgent(body: Self.googlebot, header: nil).classification else {
            return XCTFail("Googlebot is a bot")
        }
        XCTAssertEqual(google.reason, #"user agent "… Googlebot/2.1 …" is a crawler"#)
        guard case .bot(let twitter) = VisitorAgent(body: "Twitterbot/1.0", header: nil).classification else {
            return XCTFail("Twitterbot is a bot")
        }
        XCTAssertEqual(twitter.reason, #"user agent "Twitterbot/1.0" is a link previewer"#)

        // Control characters, quotes and non-ASCII bytes, and a product token longer than 64.
        let hostile = "\u{1}evil\"\r\nbot\u{e9}" + String(repeating: "x", count: 100) + " tail"
        guard case .bot(let match) = VisitorAgent(body: hostile, header: nil).classification else {
            return XCTFail("it says bot")
        }
        XCTAssertEqual(match.excerpt.count, 64)
        XCTAssertTrue(match.excerpt.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F }, match.excerpt)
        XCTAssertTrue(match.excerpt.hasPrefix("bot??xxx"), match.excerpt)
        XCTAssertTrue(match.reason.hasPrefix("user agent \"… bot??"), match.reason)
        XCTAssertTrue(match.reason.contains("x …\""), match.reason)
    }

    func testOfATokenLongerThanTheLimitTheExcerptKeepsTheMatch() {
        guard
            case .bot(let match) = VisitorAgent(body: String(repeating: "x", count: 100) + "bot", header: nil)
                .classification
        else { return XCTFail("it says bot") }
        XCTAssertEqual(match.excerpt, String(repeating: "x", count: 61) + "bot")
        XCTAssertEqual(match.reason, "user agent \"… \(match.excerpt)\" is a crawler")
        let made = BotMatch(kind: .crawler, excerpt: "a\r\nb" + String(repeating: "é", count: 40))
        XCTAssertTrue(made.excerpt.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7F } && made.excerpt.utf8.count == 64)
    }

    func testAHeaderLongerThanTheLimitIsCutToWholeCharactersWithinItsBytes() {
        let long = Self.chrome + String(repeating: " x", count: 400)
        XCTAssertEqual(VisitorAgent(body: nil, header: long).userAgent?.utf8.count, VisitorAgent.maxLength)
        // Characters of many bytes (a letter with four combining marks): bytes bound the cut.
        let heavy = "Mozilla/5.0 " + String(repeating: "a\u{301}\u{302}\u{303}\u{304}", count: 600)
        let kept = VisitorAgent(body: nil, header: heavy).userAgent ?? ""
        XCTAssertLessThanOrEqual(kept.utf8.count, VisitorAgent.maxLength)
        XCTAssertGreaterThan(kept.utf8.count, VisitorAgent.maxLength - 4)
        XCTAssertTrue(heavy.utf8.starts(with: kept.utf8), "cut at a scalar, never inside one")
    }
}
