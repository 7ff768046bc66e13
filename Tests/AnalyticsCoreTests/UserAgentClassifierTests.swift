import AnalyticsCore
import XCTest

final class UserAgentClassifierTests: XCTestCase {
    func testBrowsersAreToldApartMostSpecificFirst() {
        let cases: [(String, String)] = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0",
                "Edge"
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 OPR/106.0",
                "Opera"
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
                "Chrome"
            ),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox"),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
                "Safari"
            ),
            (
                "Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/23.0 Chrome/115.0 Mobile Safari/537.36",
                "Samsung Internet"
            ),
            ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Bot"),
            ("Mozilla/5.0 (Windows NT 10.0; Trident/7.0; rv:11.0) like Gecko", "Internet Explorer"),
            ("SomethingElse/1.0", "Other"),
            ("", "Unknown"),
        ]
        for (userAgent, browser) in cases {
            XCTAssertEqual(UserAgentClassifier.browser(userAgent), browser, userAgent)
        }
    }

    func testOperatingSystemsAreToldApartMostSpecificFirst() {
        let cases: [(String?, String)] = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
                "Windows"
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
                "macOS"
            ),
            // iOS agents say "like Mac OS X"; iOS must win.
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1",
                "iOS"
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/120.0 Mobile/15E148 Safari/604.1",
                "iOS"
            ),
            // Android and ChromeOS agents say "Linux" or "X11"; they must win.
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36",
                "Android"
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
                "ChromeOS"
            ),
            ("Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Linux"),
            ("Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Linux"),
            ("Mozilla/5.0 (X11; FreeBSD amd64; rv:121.0) Gecko/20100101 Firefox/121.0", "Other"),
            ("Mozilla/5.0 (Windows Phone 10.0; Android 6.0.1; Microsoft; Lumia 950) Edge/15.14977", "Other"),
            ("MOZILLA/5.0 (WINDOWS NT 10.0)", "Windows"),
            ("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Bot"),
            ("SomethingElse/1.0", "Other"),
            ("", "Unknown"),
            (nil, "Unknown"),
        ]
        for (agent, expected) in cases {
            XCTAssertEqual(UserAgentClassifier.operatingSystem(agent), expected, agent ?? "nil")
        }
    }

    func testDevices() {
        XCTAssertEqual(
            UserAgentClassifier.device("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Mobile/15E148"), "mobile"
        )
        XCTAssertEqual(
            UserAgentClassifier.device("Mozilla/5.0 (Linux; Android 14; Pixel 8) Chrome/120 Mobile Safari/537.36"),
            "mobile")
        XCTAssertEqual(UserAgentClassifier.device("Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X)"), "tablet")
        XCTAssertEqual(
            UserAgentClassifier.device("Mozilla/5.0 (Linux; Android 14; SM-X710) Chrome/120 Safari/537.36"), "tablet")
        XCTAssertEqual(UserAgentClassifier.device("Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120"), "desktop")
        XCTAssertEqual(UserAgentClassifier.device("Mozilla/5.0 (compatible; bingbot/2.0)"), "bot")
        XCTAssertEqual(UserAgentClassifier.device(nil), "unknown")
    }

    func testTrafficSourceStripsWWWAndNamesDirect() {
        XCTAssertEqual(TrafficSource.name(forReferrer: "https://www.Google.com/search"), "google.com")
        XCTAssertEqual(TrafficSource.name(forReferrer: "https://news.ycombinator.com/"), "news.ycombinator.com")
        XCTAssertEqual(TrafficSource.name(forReferrer: ""), "direct")
        XCTAssertEqual(TrafficSource.name(forReferrer: nil), "direct")
    }
}
