import Foundation
import TestSupport
import XCTest

/// The dashboard as a person sees it: headless Chromium on a real consumer reading the
/// development broker, fed through a real producer. Figures are read from the page's DOM and
/// compared with what `/analytics` reports.
final class DashboardBrowserTests: PipelineTestCase {
    private var browser: Browser?

    override func setUpWithError() throws {
        try super.setUpWithError()
        try pipeline.startProducer()
    }

    override func tearDown() {
        browser = nil
        super.tearDown()
    }

    private func openDashboard(port: Int, path: String = "/", width: Int = 1280, height: Int = 900) throws -> Browser {
        let browser = try Browser(width: width, height: height)
        self.browser = browser
        try browser.open("http://127.0.0.1:\(port)\(path)")
        return browser
    }

    private func waitForStatus(_ browser: Browser, _ prefix: String, timeout: TimeInterval = 20) -> Bool {
        browser.wait(
            timeout: timeout,
            until: "return document.getElementById('status-text').textContent.startsWith(arguments[0]);", [prefix])
    }

    private func post(_ events: [[String: Any]]) throws {
        let body = String(decoding: try JSONSerialization.data(withJSONObject: events), as: UTF8.self)
        let response = try pipeline.post("/events", body)
        XCTAssertEqual(response.status, 202, response.text)
        XCTAssertEqual(response.json["accepted"] as? Int, events.count, response.text)
    }

    /// Waits until the page's footer shows `total` events (the page has taken that snapshot in).
    private func waitForTotal(_ browser: Browser, _ total: Int, timeout: TimeInterval = 30) -> Bool {
        browser.wait(
            timeout: timeout,
            until: "return document.querySelector('[data-footer=\"total_events\"]').textContent === arguments[0];",
            [Self.grouped(total)])
    }

    /// The text of every cell of a table, row by row.
    private func rows(_ browser: Browser, _ table: String) throws -> [[String]] {
        try browser.run(
            """
            return Array.from(document.querySelectorAll('[data-table="' + arguments[0] + '"] tbody tr')).map(
              function (row) { return Array.from(row.cells).map(function (cell) { return cell.textContent; }); });
            """, [table]) as? [[String]] ?? []
    }

    /// What the page should show for a snapshot, by the rules the page states.
    private func expectedTiles(_ stats: [String: Any]) -> [String: String] {
        let sessions = stats["session_metrics"] as? [String: Any] ?? [:]
        let types = stats["events_by_type"] as? [String: Int] ?? [:]
        let duration = Int(((sessions["avg_session_duration_seconds"] as? Double) ?? 0).rounded())
        return [
            "current_visitors": Self.grouped(stats["current_visitors"] as? Int ?? -1),
            "unique_visitors": Self.grouped(stats["unique_users"] as? Int ?? -1),
            "page_views": Self.grouped(types["page_view"] ?? 0),
            "sessions": Self.grouped(sessions["sessions_started"] as? Int ?? -1),
            "bounce_rate": "\(Int((((sessions["bounce_rate"] as? Double) ?? 0) * 100).rounded()))%",
            "avg_session_duration": duration < 60
                ? "\(duration)s" : "\(duration / 60)m \(String(format: "%02d", duration % 60))s",
            "pages_per_session": String(format: "%.1f", (sessions["pages_per_session"] as? Double) ?? 0),
        ]
    }

    static func grouped(_ value: Int) -> String {
        let digits = String(value)
        var result = ""
        for (index, digit) in digits.enumerated() {
            if index > 0 && (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }

    private static func pageView(_ path: String, user: String, session: String, referrer: String? = nil) -> [String:
        Any]
    {
        var event: [String: Any] = [
            "type": "page_view", "user_id": user, "session_id": session, "url": "https://shop.example\(path)",
            "user_agent":
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36",
            "metadata": ["load_time": 420],
        ]
        if let referrer { event["referrer"] = referrer }
        return event
    }

    // MARK: - Tests

    func testTilesAndTablesFollowTheTopicLiveWithoutAReload() throws {
        let (_, port) = try pipeline.startConsumer()
        let browser = try openDashboard(port: port)
        XCTAssertTrue(waitForStatus(browser, "Live"), "the page never went live: \(browser.statusLine())")
        XCTAssertEqual(try browser.text("#status-text"), "Live", "streaming, not polling")
        // Set once: a reload would lose it.
        try browser.run("window.loadedOnce = true;")

        var sent = 0
        for wave in 1...2 {
            var events: [[String: Any]] = []
            for visitor in 0..<(wave * 3) {
                let session = "w\(wave)-s\(visitor)"
                events.append(
                    Self.pageView(
                        "/", user: "w\(wave)-u\(visitor)", session: session, referrer: "https://news.example/"))
                if visitor % 2 == 0 {
                    events.append(Self.pageView("/pricing", user: "w\(wave)-u\(visitor)", session: session))
                }
            }
            events.append(["type": "signup_completed", "user_id": "w\(wave)-u0", "session_id": "w\(wave)-s0"])
            events.append(["type": "click", "user_id": "w\(wave)-u1", "session_id": "w\(wave)-s1"])
            events.append(
                Self.pageView(
                    "/?utm_source=newsletter&utm_medium=email&utm_campaign=winter", user: "w\(wave)-c",
                    session: "w\(wave)-c"))
            var crawler = Self.pageView("/", user: "bot", session: "bot")
            crawler["user_agent"] = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"
            events.append(crawler)
            try post(events)
            sent += events.count
            XCTAssertEqual(pipeline.waitForTotal(sent, port: port)["total_events"] as? Int, sent)
            XCTAssertTrue(waitForTotal(browser, sent), "the page did not reach \(sent) events")
            let stats = pipeline.analytics(port: port)
            let shown = try browser.tileValues("tile")
            for (tile, text) in expectedTiles(stats) { XCTAssertEqual(shown[tile], text, "wave \(wave): \(tile)") }
            XCTAssertNotNil(shown["events_per_minute"].flatMap { Int($0.replacingOccurrences(of: ",", with: "")) })

            let pages = (stats["top_pages"] as? [[String: Any]] ?? []).map {
                [
                    "\($0["path"] ?? "")", Self.grouped($0["unique_visitors"] as? Int ?? -1),
                    Self.grouped($0["views"] as? Int ?? -1),
                ]
            }
            XCTAssertEqual(try rows(browser, "top_pages"), pages, "wave \(wave)")
            XCTAssertEqual(try rows(browser, "sources").first, ["news.example", Self.grouped(wave == 1 ? 3 : 9)])
            XCTAssertEqual(try rows(browser, "custom_events"), [["signup_completed", Self.grouped(wave)]])
            XCTAssertEqual(
                try rows(browser, "campaigns"),
                [["winter · newsletter / email", Self.grouped(wave), Self.grouped(wave)]])
            XCTAssertEqual(try browser.text("[data-footer=\"bot_events\"]"), Self.grouped(wave))
            XCTAssertEqual(try rows(browser, "event_types").map(\.first), ["page_view", "click"])
            XCTAssertEqual(try rows(browser, "browsers").first?.first, "Chrome")
            let load = stats["performance_metrics"] as? [String: Any] ?? [:]
            let median = Int(((load["median_load_time_ms"] as? Double) ?? -1).rounded())
            XCTAssertEqual(try rows(browser, "load_times").first, ["Median (p50)", Self.grouped(median)])
        }
        XCTAssertEqual(try browser.run("return window.loadedOnce === true;") as? Bool, true, "the page was reloaded")
        XCTAssertEqual(try browser.text("[data-footer=\"history\"]"), "off (no CLICKHOUSE_URL)")
    }

    func testManySitesOpenOnAnOverviewWhoseRowsLeadToEachSitesOwnDashboard() throws {
        let (_, port) = try pipeline.startConsumer()
        var events: [[String: Any]] = []
        for (site, visitors) in [("shop.example", 3), ("blog.example", 2)] {
            for visitor in 0..<visitors {
                var event = Self.pageView("/", user: "\(site)-u\(visitor)", session: "\(site)-s\(visitor)")
                event["site"] = site
                events.append(event)
            }
        }
        try post(events)
        XCTAssertEqual(pipeline.waitForTotal(5, port: port)["total_events"] as? Int, 5)
        // A record another producer wrote, whose site is markup: shown as text, never run.
        let hostile = "<img/src=x/onerror=document.body.dataset.pwned=1>"
        var record = try XCTUnwrap(pipeline.records().first?.json)
        record["id"] = "00000000-0000-4000-8000-00000000beef"
        record["site"] = hostile
        record["user_id"] = "hostile"
        let line = String(decoding: try JSONSerialization.data(withJSONObject: record), as: UTF8.self)
        try Kcat.produce(brokers: pipeline.brokers, topic: pipeline.topic, values: [line])
        XCTAssertEqual(pipeline.waitForTotal(6, port: port)["total_events"] as? Int, 6)

        let browser = try openDashboard(port: port)
        XCTAssertTrue(
            browser.wait(until: "return document.querySelectorAll('.overview tbody tr').length === 3;"),
            "no overview: \(browser.statusLine())")
        XCTAssertEqual(
            try browser.run("return document.querySelector('.overview tbody tr:nth-child(3) a').textContent;")
                as? String,
            hostile)
        XCTAssertNil(try browser.run("return document.body.dataset.pwned || null;") as? String, "the site name ran")
        let overview =
            try browser.run(
                """
                return Array.from(document.querySelectorAll('.overview tbody tr')).slice(0, 2).map(function (row) {
                  return Array.from(row.cells).slice(0, 4).map(function (cell) { return cell.textContent; })
                    .concat([row.querySelector('a').getAttribute('href'), String(!!row.querySelector('polyline'))]);
                });
                """) as? [[String]]
        XCTAssertEqual(
            overview,
            [
                ["shop.example", "3", "3", "3", "/?site=shop.example", "true"],
                ["blog.example", "2", "2", "2", "/?site=blog.example", "true"],
            ])
        XCTAssertEqual(
            try browser.run("return getComputedStyle(document.querySelector('main')).display;") as? String, "none")

        // A row leads to that site's dashboard, with the switcher in its header.
        try browser.run("document.querySelector('.overview tbody tr:nth-child(2) a').click();")
        XCTAssertTrue(
            browser.wait(until: "return location.search === '?site=blog.example';"), "the row did not lead to the site")
        XCTAssertTrue(waitForTotal(browser, 2), "the blog's dashboard did not show its 2 events")
        XCTAssertEqual(try browser.tileValues("tile")["unique_visitors"], "2")
        XCTAssertEqual(
            try browser.run("return document.getElementById('site-switcher').value;") as? String, "blog.example")
        XCTAssertEqual(try browser.run("return document.querySelector('.site-nav').hidden;") as? Bool, false)
        XCTAssertEqual(try browser.run("return document.querySelector('.overview').hidden;") as? Bool, true)
        // Switching sites from the header.
        try browser.run(
            """
            const select = document.getElementById('site-switcher');
            select.value = 'shop.example';
            select.dispatchEvent(new Event('change'));
            """)
        XCTAssertTrue(browser.wait(until: "return location.search === '?site=shop.example';"))
        XCTAssertTrue(waitForTotal(browser, 3), "the shop's dashboard did not show its 3 events")
        XCTAssertEqual(try browser.run("return document.title;") as? String, "shop.example · Analytics · live")
        XCTAssertTrue(
            (try browser.text(".credit") ?? "").contains("IPFire Location"), "the country data is credited")
    }

    func testCountriesAreShownByNameWithTheirFlags() throws {
        pipeline.producer?.signal(SIGKILL)
        try pipeline.startProducer(environment: ["TRUSTED_PROXIES": "127.0.0.1", "GEOIP_DATA_DIR": "auto"])
        let (_, port) = try pipeline.startConsumer()
        for (index, address) in ["8.8.8.8", "8.8.4.4", "81.2.69.142", "10.0.0.1"].enumerated() {
            let response = try pipeline.post(
                "/event",
                #"{"type":"page_view","user_id":"u\#(index)","url":"https://shop.example/"}"#,
                headers: ["X-Forwarded-For": address])
            XCTAssertEqual(response.status, 202, response.text)
        }
        XCTAssertEqual(pipeline.waitForTotal(4, port: port)["total_events"] as? Int, 4)
        let browser = try openDashboard(port: port)
        XCTAssertTrue(waitForTotal(browser, 4))
        XCTAssertEqual(
            try rows(browser, "countries"),
            [
                ["\u{1F1FA}\u{1F1F8}United States", "2", "2"], ["\u{1F1EC}\u{1F1E7}United Kingdom", "1", "1"],
                ["Unknown", "1", "1"],
            ])
    }

    func testTextFromEventsIsShownAsTextAndRunsNothing() throws {
        let (_, port) = try pipeline.startConsumer()
        let browser = try openDashboard(port: port)
        XCTAssertTrue(waitForStatus(browser, "Live"))
        let paths = [
            #"/<img src=x onerror="document.body.dataset.pwned='img'">"#,
            #"/<script>document.body.dataset.pwned='script'</script>"#,
            "/<img src=x onerror=alert(1)>",
        ]
        var events = paths.enumerated().map { index, path in
            var event = Self.pageView("/xss", user: "attacker\(index)", session: "xss\(index)")
            event["path"] = path
            return event
        }
        events.append(
            Self.pageView(
                "/", user: "attacker9", session: "xss9",
                referrer: #"https://x.test/"><script>document.body.dataset.pwned='referrer'</script>"#))
        try post(events)
        XCTAssertTrue(waitForTotal(browser, events.count))

        let shown = Set(try rows(browser, "top_pages").map { $0[0] })
        for path in paths { XCTAssertTrue(shown.contains(path), "\(path) not shown literally in \(shown)") }
        let entries = Set(try rows(browser, "entry_pages").map { $0[0] })
        for path in paths { XCTAssertTrue(entries.contains(path), "\(path) not among entry pages \(entries)") }
        let sources = Set(try rows(browser, "sources").map { $0[0] })
        XCTAssertTrue(sources.contains("x.test"), "\(sources)")

        XCTAssertNil(browser.openDialogText(), "a payload opened a dialog")
        XCTAssertEqual(try browser.run("return document.body.dataset.pwned || null;") as? String, nil)
        XCTAssertEqual(
            try browser.run("return document.querySelectorAll('main img, main script, main b, footer img').length;")
                as? Int, 0, "markup from an event became elements")
        XCTAssertEqual(
            try browser.run(
                "return Array.from(document.scripts).filter(function (s) { return !/^\\/assets\\//.test(s.getAttribute('src') || ''); }).length;"
            ) as? Int, 0, "only the dashboard's own scripts")
    }

    func testWithAStatsTokenThePageIs401UntilOpenedWithTheTokenThenStreamsWithTheCookie() throws {
        let token = "browser-token-0123456789abcdef"
        let (_, port) = try pipeline.startConsumer(environment: ["STATS_TOKEN": token])
        let browser = try openDashboard(port: port)
        let denied = try XCTUnwrap(try browser.run("return document.body.innerText;") as? String)
        XCTAssertTrue(denied.contains("STATS_TOKEN"), denied)
        XCTAssertNil(try browser.run("return document.getElementById('status-text');") as Any?)

        try browser.open("http://127.0.0.1:\(port)/?token=\(token)")
        XCTAssertEqual(
            try browser.run("return location.pathname + location.search;") as? String, "/",
            "the token stays in the address")
        XCTAssertEqual(try browser.run("return document.cookie;") as? String, "", "the cookie is HttpOnly")
        XCTAssertTrue(waitForStatus(browser, "Live"))
        XCTAssertEqual(try browser.text("#status-text"), "Live", "the stream (not polling) works with the cookie")
        try post([Self.pageView("/members", user: "u1", session: "s1")])
        XCTAssertTrue(waitForTotal(browser, 1))
        XCTAssertEqual(try rows(browser, "top_pages").first?.first, "/members")
    }

    func testAViewThatStopsUpdatingIsShownStaleAndLiveAgainWhenUpdatesReturn() throws {
        let (consumer, port) = try pipeline.startConsumer(environment: ["DASHBOARD_REFRESH_MS": "400"])
        let browser = try openDashboard(port: port)
        XCTAssertTrue(waitForStatus(browser, "Live"))
        // Frozen: the connection stays open but nothing arrives for more than 3 refresh intervals.
        consumer.signal(SIGSTOP)
        XCTAssertTrue(waitForStatus(browser, "Stale", timeout: 10), browser.statusLine())
        XCTAssertEqual(try browser.run("return document.body.classList.contains('is-live');") as? Bool, false)
        consumer.signal(SIGCONT)
        XCTAssertTrue(waitForStatus(browser, "Live", timeout: 10), browser.statusLine())
        // Gone: the stream drops.
        consumer.signal(SIGKILL)
        XCTAssertTrue(waitForStatus(browser, "Stale", timeout: 10), browser.statusLine())
    }

    /// Also what a newcomer sees after the README's curl example: a visitor, a page view and a
    /// session (curl's own user agent is not taken for a bot's).
    func testWithoutAStreamThePageFallsBackToPollingAndShowsTheREADMEExample() throws {
        let (_, port) = try pipeline.startConsumer(environment: ["MAX_STREAMS": "0"])
        let browser = try openDashboard(port: port)
        XCTAssertTrue(waitForStatus(browser, "Live (polling)"), browser.statusLine())
        let sent = try ExternalCommand.run([
            "curl", "-sS", "-X", "POST", "http://localhost:\(pipeline.producerPort)/event", "-H",
            "Content-Type: application/json", "-d",
            #"{"type":"page_view","user_id":"user123","session_id":"session456","url":"https://example.com/home","path":"/home"}"#,
        ])
        XCTAssertTrue(sent.stdout.hasPrefix(#"{"status":"accepted""#), sent.stdout + sent.stderr)
        XCTAssertTrue(waitForTotal(browser, 1))
        XCTAssertEqual(try rows(browser, "top_pages").first?.first, "/home")
        let tiles = try browser.tileValues("tile")
        for tile in ["unique_visitors", "current_visitors", "page_views", "sessions"] {
            XCTAssertEqual(tiles[tile], "1", "\(tile) in \(tiles)")
        }
        XCTAssertEqual(try browser.text("[data-footer=\"bot_events\"]"), "0")
        XCTAssertEqual(try rows(browser, "devices").first?.first, "unknown")
    }

    func testOnePageReadsOnAPhoneAndAWideScreenAndStaysBoundedWithAThousandPages() throws {
        let (_, port) = try pipeline.startConsumer(environment: ["TOP_PAGES": "1000"])
        let events = (0..<1000).map { Self.pageView("/article/\($0)", user: "u\($0 % 50)", session: "s\($0 % 50)") }
        try post(Array(events[..<500]))
        try post(Array(events[500...]))
        XCTAssertEqual(pipeline.waitForTotal(1000, port: port)["total_events"] as? Int, 1000)

        let browser = try openDashboard(port: port, width: 1920, height: 1080)
        XCTAssertTrue(waitForTotal(browser, 1000))
        XCTAssertEqual(try rows(browser, "top_pages").count, 10)
        XCTAssertEqual(try browser.text("[data-table=\"top_pages\"] .more"), "and 990 more")
        let wide = try XCTUnwrap(
            try browser.run(
                """
                const tops = Array.from(document.querySelectorAll('main .tile')).map(function (t) { return t.offsetTop; });
                return {
                  tileRows: new Set(tops).size,
                  tableColumns: getComputedStyle(document.querySelector('.tables')).gridTemplateColumns.split(' ').length,
                  overflow: document.documentElement.scrollWidth - window.innerWidth,
                  height: document.documentElement.scrollHeight
                };
                """) as? [String: Int])
        XCTAssertEqual(wide["tileRows"], 1, "\(wide)")
        XCTAssertGreaterThanOrEqual(wide["tableColumns"] ?? 0, 4, "\(wide)")
        XCTAssertLessThanOrEqual(wide["overflow"] ?? 1, 0, "\(wide)")
        XCTAssertLessThan(wide["height"] ?? .max, 2000, "a thousand pages must not make the page grow: \(wide)")

        try browser.resize(width: 390, height: 844)
        let phone = try XCTUnwrap(
            try browser.run(
                """
                const columns = function (selector) {
                  return getComputedStyle(document.querySelector(selector)).gridTemplateColumns.split(' ').length;
                };
                return {
                  tables: columns('.tables'), charts: columns('.charts'), tiles: columns('.tiles'),
                  overflow: document.documentElement.scrollWidth - window.innerWidth
                };
                """) as? [String: Int])
        XCTAssertEqual(phone["tables"], 1, "\(phone)")
        XCTAssertEqual(phone["charts"], 1, "\(phone)")
        XCTAssertLessThanOrEqual(phone["tiles"] ?? 9, 2, "\(phone)")
        XCTAssertLessThanOrEqual(phone["overflow"] ?? 1, 0, "nothing wider than the phone: \(phone)")
    }
}
