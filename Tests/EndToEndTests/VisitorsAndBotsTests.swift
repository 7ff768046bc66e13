import AnalyticsCore
import Foundation
import TestSupport
import XCTest

/// Cookieless visitors and bot traffic as the consumer counts them, from events the real producer
/// stamped with a visitor id made from the day's salt on the salts topic.
final class VisitorsAndBotsTests: PipelineTestCase {
    /// Real user agents: crawlers, a link previewer, a headless browser; then people. (A command-line
    /// client's header is a relay, not a bot: `SendersTests`.)
    static let bots = [
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
        "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
        "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0.6099.224 Safari/537.36",
    ]
    static let people = [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_2) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91",
    ]

    private func pageView(session: String, url: String = "https://example.com/", referrer: String? = nil) -> String {
        let referrerMember = referrer.map { #","referrer":"\#($0)""# } ?? ""
        return #"{"type":"page_view","session_id":"\#(session)","url":"\#(url)"\#(referrerMember)}"#
    }

    private func send(_ body: String, userAgent: String, port: Int? = nil) throws {
        let response = try RawHTTPClient(port: port ?? pipeline.producerPort, timeout: 15).request(
            "POST", "/event", body: body, headers: ["User-Agent": userAgent])
        XCTAssertEqual(response.status, 202, response.description)
        XCTAssertEqual(response.json["bot"] as? Bool, Self.bots.contains(userAgent) ? true : nil, userAgent)
    }

    func testVisitorsAreCountedByTheirDailyIDAndBotsApartCampaignsRanked() throws {
        try pipeline.startProducer()
        let (_, statsPort) = try pipeline.startConsumer()
        let (_, countingPort) = try pipeline.startConsumer(
            environment: ["COUNT_BOTS": "true", "CONSUMER_GROUP": "counting-\(UUID().uuidString.prefix(6))"])
        // Each person twice, in two sessions (two tabs): one visitor each.
        for (index, agent) in Self.people.enumerated() {
            try send(
                pageView(
                    session: "p\(index)a",
                    url: "https://example.com/?utm_source=newsletter&utm_medium=email&utm_campaign=winter",
                    referrer: "https://mail.example/"), userAgent: agent)
            try send(
                pageView(
                    session: "p\(index)b", url: "https://example.com/pricing", referrer: "https://www.google.com/"),
                userAgent: agent)
        }
        for (index, agent) in Self.bots.enumerated() {
            try send(pageView(session: "b\(index)", referrer: "https://spam.example/"), userAgent: agent)
        }
        // A visitor with a user id is counted by it and gets no visitor id.
        try send(
            #"{"type":"page_view","user_id":"alice","session_id":"u1","url":"https://example.com/?ref=producthunt"}"#,
            userAgent: Self.people[0])
        // A second producer of the deployment agrees on the day's salt.
        let second = try ServiceProcess(
            "producer", environment: ["KAFKA_BROKERS": pipeline.brokers, "SERVER_PORT": "0"], label: "producer2")
        defer { second.signal(SIGKILL) }
        XCTAssertTrue(second.waitForOutput("producer listening"), second.output)
        let secondPort = try XCTUnwrap(second.stderr.firstMatch(of: /\bport=(\d+)/).flatMap { Int($0.output.1) })
        try send(
            pageView(session: "p0c", url: "https://example.com/pricing"), userAgent: Self.people[0], port: secondPort)

        let stats = pipeline.waitForTotal(14, port: statsPort)
        XCTAssertEqual(stats["total_events"] as? Int, 14, pipeline.output)
        XCTAssertEqual(stats["bot_events"] as? Int, 4)
        XCTAssertEqual(stats["unique_users"] as? Int, 5, "four browsers and alice")
        XCTAssertEqual(stats["active_sessions"] as? Int, 10, "the people's sessions, not the bots'")
        XCTAssertEqual(stats["events_by_type"] as? [String: Int], ["page_view": 10])
        XCTAssertEqual(stats["browser_stats"] as? [String: Int], ["Chrome": 4, "Firefox": 2, "Safari": 2, "Edge": 2])
        XCTAssertEqual(stats["os_stats"] as? [String: Int], ["Windows": 6, "Linux": 2, "macOS": 2])
        XCTAssertEqual(
            stats["traffic_sources"] as? [String: Int],
            ["newsletter": 4, "google.com": 4, "producthunt": 1, "direct": 1], "UTM source first; no spam.example")
        let campaigns = stats["top_campaigns"] as? [[String: Any]] ?? []
        XCTAssertEqual(campaigns.count, 1, "\(campaigns)")
        XCTAssertEqual(campaigns.first?["campaign"] as? String, "winter")
        XCTAssertEqual(campaigns.first?["source"] as? String, "newsletter")
        XCTAssertEqual(campaigns.first?["medium"] as? String, "email")
        XCTAssertEqual(campaigns.first?["views"] as? Int, 4)
        XCTAssertEqual(campaigns.first?["unique_visitors"] as? Int, 4)
        let pages = (stats["top_pages"] as? [[String: Any]] ?? []).map { "\($0["path"] ?? "") \($0["views"] ?? 0)" }
        XCTAssertEqual(pages, ["/ 5", "/pricing 5"])

        let counting = pipeline.waitForTotal(14, port: countingPort)
        XCTAssertEqual(counting["unique_users"] as? Int, 9, "COUNT_BOTS=true: the four bots are visitors too")
        XCTAssertEqual(counting["bot_events"] as? Int, 4)

        // On the topic: bots marked, no raw address, visitor ids that are the day's salted hash.
        let salts = try Kcat.readAll(brokers: pipeline.brokers, topic: "analytics-events-salts")
        let today = RFC3339.day(Date())
        let saltRecord = try XCTUnwrap(salts.first { $0.key == today }, "\(salts.map(\.key))")
        let salt = try XCTUnwrap(VisitorSalt(day: today, hexKey: saltRecord.payload))
        XCTAssertTrue(
            salts.contains { $0.key == RFC3339.day(Date().addingTimeInterval(86_400)) }, "tomorrow's is ready")
        XCTAssertEqual(Set(salts.filter { $0.key == today }.map(\.payload)).count, 1, "both producers kept one salt")
        let records = try pipeline.records().map(\.json)
        XCTAssertEqual(records.count, 14)
        for record in records {
            let agent = record["user_agent"] as? String ?? ""
            XCTAssertEqual(record["bot"] as? Bool ?? false, Self.bots.contains(agent), agent)
            XCTAssertEqual(record["ip_address"] as? String, "127.0.0.0")
            if record["user_id"] != nil {
                XCTAssertNil(record["visitor_id"])
            } else {
                XCTAssertEqual(
                    record["visitor_id"] as? String,
                    salt.visitorID(siteHost: "example.com", clientAddress: "127.0.0.1", userAgent: agent), agent)
            }
        }
    }

    func testWhenTwoSaltsWereWrittenForADayTheFirstWinsAndIsWrittenAgainOldDaysAreTombstoned() throws {
        let today = RFC3339.day(Date())
        let first = String(repeating: "ab", count: 16)
        let second = String(repeating: "cd", count: 16)
        let saltsTopic = "analytics-events-salts"
        try Kcat.produce(
            brokers: pipeline.brokers, topic: saltsTopic,
            keyed: [("2020-01-01", String(repeating: "ef", count: 16)), (today, first), (today, second)])
        try pipeline.startProducer()
        try send(pageView(session: "s"), userAgent: Self.people[1])
        let record = try XCTUnwrap(try pipeline.records().first?.json)
        let salt = try XCTUnwrap(VisitorSalt(day: today, hexKey: first))
        XCTAssertEqual(
            record["visitor_id"] as? String,
            salt.visitorID(siteHost: "example.com", clientAddress: "127.0.0.1", userAgent: Self.people[1]))
        var salts: [TopicRecord] = []
        Wait.until(timeout: 10, interval: 0.2) {
            salts = (try? Kcat.readAll(brokers: self.pipeline.brokers, topic: saltsTopic)) ?? []
            return salts.filter { $0.key == today }.count >= 3
                && salts.contains { $0.key == "2020-01-01" && $0.payload.isEmpty }
        }
        XCTAssertEqual(
            salts.filter { $0.key == today }.map(\.payload), [first, second, first],
            "the winner is written again, so compaction keeps it")
        XCTAssertEqual(
            salts.filter { $0.key == "2020-01-01" }.map(\.payload), [String(repeating: "ef", count: 16), ""],
            "a past day is tombstoned")
    }

    func testUntilTheDaysSaltIsAgreedAnonymousEventsAre503AtOnce() throws {
        // No broker: the salts topic cannot be read, so no visitor id can be made.
        pipeline.broker?.signal(SIGTERM)
        _ = pipeline.broker?.waitForExit(timeout: 10)
        try pipeline.startProducer(environment: ["DELIVERY_TIMEOUT_MS": "1500"])
        XCTAssertTrue(pipeline.producer?.stderr.contains("today's visitor salt is not agreed yet") ?? false)
        let started = Date()
        let anonymous = try pipeline.post("/event", pageView(session: "s"))
        XCTAssertLessThan(
            Date().timeIntervalSince(started), 1, "refused before publishing, not at the delivery timeout")
        XCTAssertEqual(anonymous.status, 503, anonymous.description)
        XCTAssertEqual(anonymous.header("Retry-After"), "1")
        XCTAssertTrue((anonymous.json["error"] as? String ?? "").contains("visitor salt"), anonymous.description)
        let metrics = try RawHTTPClient(port: pipeline.producerPort).request("GET", "/metrics").text
        XCTAssertTrue(metrics.contains(#"events_rejected_total{reason="no_visitor_salt"} 1"#), metrics)
    }
}
