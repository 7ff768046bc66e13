import Foundation
import TestSupport
import XCTest

/// `POST /api/v2/query` against a real ClickHouse fed by the real pipeline: every answer compared
/// with what the test works out from the events it sent (`SentEvents`).
final class HistoryQueryTests: HistoryQueryTestCase {
    func testEveryAnswerEqualsWhatWasSentAndHostileOrBadQueriesAreRefusedOrMatchedLiterally() throws {
        try importEvents()
        let all = sent.days(60, 1)

        // Every site, every metric, over the whole import (custom range), in the site's time zone.
        for site in SentEvents.sites {
            let zone = SentEvents.zone(site)
            let rows = try results(
                #"{"site_id":"\#(site)","metrics":["visitors","visits","pageviews","events","views_per_visit","bounce_rate","visit_duration"],"date_range":["\#(all.first)","\#(all.last)"]}"#
            )
            let expected = sent.metrics(site: site, from: all.first, to: all.last, zone: zone)
            XCTAssertEqual(rows.count, 1)
            XCTAssertEqual(numbers(rows.first ?? [:]), expected.all, site)
        }

        // Every named range, in UTC days (nothing was sent today).
        let today = sent.days(0, 0).first
        let monthStart = String(today.prefix(8)) + "01"
        let lastMonthEnd = SentEvents.dayBefore(monthStart, 1)
        let lastMonthStart = String(lastMonthEnd.prefix(8)) + "01"
        let yearStart = String(today.prefix(5)) + "01-01"
        let named: [(String, String, String)] = [
            ("day", today, today), ("yesterday", sent.days(1, 1).first, sent.days(1, 1).first),
            ("7d", sent.days(6, 0).first, today), ("30d", sent.days(29, 0).first, today),
            ("month", monthStart, today), ("last_month", lastMonthStart, lastMonthEnd), ("year", yearStart, today),
            ("12mo", "0000-00-00", today), ("all", "0000-00-00", today),
        ]
        for (name, first, last) in named {
            let rows = try results(
                #"{"site_id":"a.example","metrics":["visitors","visits","pageviews","bounce_rate","visit_duration"],"date_range":"\#(name)"}"#
            )
            let expected = sent.metrics(site: "a.example", from: first, to: last, zone: .utc)
            XCTAssertEqual(
                numbers(rows.first ?? [:]),
                [expected.visitors, expected.visits, expected.pageviews, expected.bounceRate, expected.duration], name)
        }

        // Every other dimension: each group as sent.
        let dimensionKeys: [(String, (SentEvent, SentVisit) -> String)] = [
            ("event:name", { event, _ in event.type }), ("event:hostname", { event, _ in event.site }),
            ("visit:utm_source", { _, visit in visit.first.utmSource ?? "" }),
            ("visit:utm_medium", { _, visit in visit.first.utmSource == nil ? "" : "referral" }),
            ("visit:referrer", { _, _ in "" }),
            ("time:month", { event, _ in String(SentEvents.day(event.time, .utc).prefix(8)) + "01" }),
        ]
        for (dimension, key) in dimensionKeys {
            let rows = try results(
                #"{"site_id":"a.example","metrics":["visitors","events"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["\#(dimension)"]}"#
            )
            let expected = sent.grouped(site: "a.example", from: all.first, to: all.last, zone: .utc, key: key)
            XCTAssertEqual(
                Dictionary(
                    uniqueKeysWithValues: rows.map { (($0["dimensions"] as? [String])?.first ?? "", numbers($0)) }),
                expected.mapValues { [$0.visitors, $0.events] }, dimension)
        }
        // Device, browser and OS: the events name no user agent, so one group holds them all.
        for dimension in ["visit:device", "visit:browser", "visit:os"] {
            let rows = try results(
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["\#(dimension)"]}"#
            )
            XCTAssertEqual(rows.count, 1, dimension)
            XCTAssertEqual(
                numbers(rows.first ?? [:]),
                [sent.metrics(site: "a.example", from: all.first, to: all.last, zone: .utc).visitors])
        }

        // By day in New York: b.example's events at 02:00 UTC belong to the day before there.
        let ten = sent.days(12, 3)
        let byDay = try results(
            #"{"site_id":"b.example","metrics":["visitors","pageviews"],"date_range":["\#(ten.first)","\#(ten.last)"],"dimensions":["time:day"],"include":{"time_labels":true}}"#
        )
        let newYork = SentEvents.zone("b.example")
        let expectedDays = sent.grouped(site: "b.example", from: ten.first, to: ten.last, zone: newYork) {
            event, _ in SentEvents.day(event.time, newYork)
        }
        XCTAssertEqual(
            byDay.map { ($0["dimensions"] as? [String])?.first ?? "" }, expectedDays.keys.sorted(), "days ascending")
        for row in byDay {
            let day = (row["dimensions"] as? [String])?.first ?? ""
            let expected = expectedDays[day]
            XCTAssertEqual(numbers(row), [expected?.visitors ?? -1, expected?.pageviews ?? -1], day)
        }

        // Visits and bounce rate by day: visits grouped within each day.
        let visitsByDay = try results(
            #"{"site_id":"c.example","metrics":["visits","bounce_rate","visit_duration"],"date_range":["\#(ten.first)","\#(ten.last)"],"dimensions":["time:day"],"filters":[["is","visit:country",["DE","US"]]]}"#
        )
        let expectedVisitDays = sent.grouped(
            site: "c.example", from: ten.first, to: ten.last, zone: .utc, where: { e, _ in e.country != "GB" }
        ) { event, _ in SentEvents.day(event.time, .utc) }
        XCTAssertEqual(visitsByDay.count, expectedVisitDays.count)
        for row in visitsByDay {
            let day = (row["dimensions"] as? [String])?.first ?? ""
            let expected = expectedVisitDays[day]
            XCTAssertEqual(
                numbers(row), [expected?.visits ?? -1, expected?.bounceRate ?? -1, expected?.duration ?? -1], day)
        }

        // Countries with percentage; sources as each visit's first event has them.
        let countries = try results(
            #"{"site_id":"c.example","metrics":["visitors","percentage"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["visit:country"]}"#
        )
        let perCountry = sent.grouped(site: "c.example", from: all.first, to: all.last, zone: .utc) { event, _ in
            event.country
        }
        let total = sent.metrics(site: "c.example", from: all.first, to: all.last, zone: .utc).visitors
        XCTAssertEqual(countries.count, 3)
        for row in countries {
            let country = (row["dimensions"] as? [String])?.first ?? ""
            let visitors = perCountry[country]?.visitors ?? -1
            XCTAssertEqual(numbers(row), [visitors, (visitors / total * 100 * 10).rounded() / 10], country)
        }
        let sources = try results(
            #"{"site_id":"a.example","metrics":["visitors","visits","bounce_rate"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["visit:source"]}"#
        )
        let perSource = sent.grouped(site: "a.example", from: all.first, to: all.last, zone: .utc) { _, visit in
            visit.first.source
        }
        XCTAssertEqual(Set(sources.compactMap { ($0["dimensions"] as? [String])?.first }), Set(perSource.keys))
        for row in sources {
            let source = (row["dimensions"] as? [String])?.first ?? ""
            let expected = perSource[source]
            XCTAssertEqual(
                numbers(row), [expected?.visitors ?? -1, expected?.visits ?? -1, expected?.bounceRate ?? -1], source)
        }
        // Entry and exit pages.
        for (dimension, pick) in [("visit:entry_page", \SentVisit.entry), ("visit:exit_page", \SentVisit.exit)] {
            let rows = try results(
                #"{"site_id":"a.example","metrics":["visits"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["\#(dimension)"]}"#
            )
            let expected = sent.grouped(site: "a.example", from: all.first, to: all.last, zone: .utc) { _, visit in
                visit[keyPath: pick]
            }
            XCTAssertEqual(
                Dictionary(
                    uniqueKeysWithValues: rows.map { (($0["dimensions"] as? [String])?.first ?? "", numbers($0)[0]) }),
                expected.mapValues(\.visits), dimension)
        }

        // Each filter operator, and and/or/not, on pages.
        let filters: [(String, (SentEvent, SentVisit) -> Bool)] = [
            (#"["is","event:page",["/pricing"]]"#, { event, _ in event.path == "/pricing" }),
            (
                #"["is_not","event:page",["/pricing","/"]]"#,
                { event, _ in event.path != "/pricing" && event.path != "/" }
            ),
            (#"["contains","event:page",["blog"]]"#, { event, _ in event.path.contains("blog") }),
            (#"["contains_not","event:page",["o"]]"#, { event, _ in !event.path.contains("o") }),
            (
                #"["and",[["is","visit:country",["DE","GB"]],["not",["contains","event:page",["%_"]]]]]"#,
                { event, _ in ["DE", "GB"].contains(event.country) && !event.path.contains("%_") }
            ),
            (#"["is","visit:source",["newsletter"]]"#, { _, visit in visit.first.source == "newsletter" }),
            (
                #"["and",[["is","visit:entry_page",["/"]],["is_not","visit:country",["US"]]]]"#,
                { event, visit in visit.entry == "/" && event.country != "US" }
            ),
            (
                #"["or",[["is","visit:source",["newsletter"]],["is","event:page",["/o'brien<b>\"x\"</b>"]]]]"#,
                { event, visit in visit.first.source == "newsletter" || event.path == #"/o'brien<b>"x"</b>"# }
            ),
        ]
        for (filter, matches) in filters {
            let rows = try results(
                #"{"site_id":"a.example","metrics":["visitors","pageviews","events"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["event:page"],"filters":[\#(filter)]}"#
            )
            let expected = sent.grouped(site: "a.example", from: all.first, to: all.last, zone: .utc, where: matches) {
                event, _ in event.path
            }
            XCTAssertEqual(
                Dictionary(
                    uniqueKeysWithValues: rows.map { (($0["dimensions"] as? [String])?.first ?? "", numbers($0)) }),
                expected.mapValues { [$0.visitors, $0.pageviews, $0.events] }, filter)
        }

        // Goals: by goal, and conversion rate per country with a goal filter.
        let goals = try results(
            #"{"site_id":"a.example","metrics":["visitors","events","conversion_rate"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["event:goal"]}"#
        )
        let siteVisitors = sent.metrics(site: "a.example", from: all.first, to: all.last, zone: .utc).visitors
        let perGoal = sent.grouped(
            site: "a.example", from: all.first, to: all.last, zone: .utc, where: { e, _ in e.goal != nil }
        ) {
            event, _ in event.goal ?? ""
        }
        XCTAssertEqual(Set(goals.compactMap { ($0["dimensions"] as? [String])?.first }), ["Signup", "Pricing"])
        for row in goals {
            let goal = (row["dimensions"] as? [String])?.first ?? ""
            let expected = perGoal[goal]
            let visitors = expected?.visitors ?? -1
            XCTAssertEqual(
                numbers(row),
                [visitors, expected?.events ?? -1, (visitors / siteVisitors * 100 * 100).rounded() / 100], goal)
        }
        let converting = try results(
            #"{"site_id":"a.example","metrics":["visitors","conversion_rate"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["visit:country"],"filters":[["is","event:goal",["Signup"]]]}"#
        )
        let perCountryAll = sent.grouped(site: "a.example", from: all.first, to: all.last, zone: .utc) { e, _ in
            e.country
        }
        let perCountrySignup = sent.grouped(
            site: "a.example", from: all.first, to: all.last, zone: .utc, where: { e, _ in e.goal == "Signup" }
        ) { e, _ in e.country }
        for row in converting {
            let country = (row["dimensions"] as? [String])?.first ?? ""
            let converted = perCountrySignup[country]?.visitors ?? 0
            let base = perCountryAll[country]?.visitors ?? 1
            XCTAssertEqual(numbers(row), [converted, (converted / base * 100 * 100).rounded() / 100], country)
        }

        // Comparisons: 14 days against the 14 before, in total and by day.
        let fortnight = sent.days(14, 1)
        let before = sent.days(28, 15)
        let compared = try results(
            #"{"site_id":"a.example","metrics":["visitors","pageviews","bounce_rate"],"date_range":["\#(fortnight.first)","\#(fortnight.last)"],"include":{"comparisons":{"mode":"previous_period"}}}"#
        )
        let now = sent.metrics(site: "a.example", from: fortnight.first, to: fortnight.last, zone: .utc)
        let then = sent.metrics(site: "a.example", from: before.first, to: before.last, zone: .utc)
        let comparison = compared.first?["comparison"] as? [String: Any] ?? [:]
        XCTAssertEqual(numbers(compared.first ?? [:]), [now.visitors, now.pageviews, now.bounceRate])
        XCTAssertEqual(numbers(comparison), [then.visitors, then.pageviews, then.bounceRate])
        XCTAssertEqual(
            numbers(comparison, "change"),
            [
                ((now.visitors - then.visitors) / then.visitors * 100).rounded(),
                ((now.pageviews - then.pageviews) / then.pageviews * 100).rounded(),
                ((now.bounceRate - then.bounceRate) * 10).rounded() / 10,
            ])
        let comparedDays = try results(
            #"{"site_id":"a.example","metrics":["pageviews"],"date_range":["\#(fortnight.first)","\#(fortnight.last)"],"dimensions":["time:day"],"include":{"comparisons":{"mode":"previous_period"}}}"#
        )
        XCTAssertEqual(comparedDays.count, 14)
        for row in comparedDays {
            let day = (row["dimensions"] as? [String])?.first ?? ""
            let other = ((row["comparison"] as? [String: Any])?["dimensions"] as? [String])?.first ?? ""
            XCTAssertEqual(other, SentEvents.dayBefore(day, 14))
            let expectedNow = sent.metrics(site: "a.example", from: day, to: day, zone: .utc).pageviews
            let expectedThen = sent.metrics(site: "a.example", from: other, to: other, zone: .utc).pageviews
            XCTAssertEqual(numbers(row), [expectedNow], day)
            XCTAssertEqual(numbers(row["comparison"] as? [String: Any] ?? [:]), [expectedThen], other)
        }

        try checkEachMetricAloneIsWhatItIsAmongTheOthers(from: fortnight.first, to: fortnight.last)

        // Pages of results with the total number of rows, and the same as CSV.
        let pageQuery =
            #"{"site_id":"a.example","metrics":["pageviews"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["event:page"],"order_by":[["event:page","asc"]],"pagination":{"limit":2,"offset":1},"include":{"total_rows":true}}"#
        let paged = try query(pageQuery)
        XCTAssertEqual(paged.status, 200, paged.text)
        let pages = sent.grouped(site: "a.example", from: all.first, to: all.last, zone: .utc) { e, _ in e.path }
        let sortedPages = pages.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
        XCTAssertEqual(
            (paged.json["results"] as? [[String: Any]])?.compactMap { ($0["dimensions"] as? [String])?.first },
            Array(sortedPages[1..<3]))
        XCTAssertEqual((paged.json["meta"] as? [String: Any])?["total_rows"] as? Int, pages.count)
        for request in [
            try query(pageQuery, accept: "text/csv"), try query(pageQuery, path: "/api/v2/query?format=csv"),
        ] {
            XCTAssertEqual(request.status, 200, request.text)
            XCTAssertTrue(request.header("Content-Type")?.hasPrefix("text/csv") == true, request.description)
            let expectedCSV =
                (["event:page,pageviews"]
                + sortedPages[1..<3].map { page in
                    let field =
                        page.contains("\"") || page.contains(",")
                        ? "\"" + page.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : page
                    return "\(field),\(Int(pages[page]?.pageviews ?? 0))"
                }).joined(separator: "\r\n") + "\r\n"
            XCTAssertEqual(request.text, expectedCSV)
        }

        // Hostile values, bad queries, access and a ClickHouse that is gone.
        // Injection attempts match nothing (or exactly themselves) and break nothing.
        for hostile in [#"') OR 1=1 --"#, #"\\"#, #"\u0000"#, "%", "_", "'", "😀𝄞", #"x\\' OR '1'='1"#] {
            for op in ["is", "contains"] {
                let rows = try results(
                    #"{"site_id":"a.example","metrics":["visitors"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["event:page"],"filters":[["\#(op)","event:page",["\#(hostile)"]]]}"#
                )
                let literal = hostile.replacingOccurrences(of: #"\\"#, with: "\\").replacingOccurrences(
                    of: #"\u0000"#, with: "\0")
                let expected = Set(
                    sent.events.filter {
                        $0.site == "a.example" && (op == "is" ? $0.path == literal : $0.path.contains(literal))
                    }.map(\.path))
                XCTAssertEqual(
                    Set(rows.compactMap { ($0["dimensions"] as? [String])?.first }), expected, "\(op) \(hostile)")
            }
        }
        // A path full of markup comes back as it was sent.
        let markup = try results(
            #"{"site_id":"a.example","metrics":["pageviews"],"date_range":["\#(all.first)","\#(all.last)"],"dimensions":["event:page"],"filters":[["contains","event:page",["<b>"]]]}"#
        )
        XCTAssertEqual(markup.compactMap { ($0["dimensions"] as? [String])?.first }, [#"/o'brien<b>"x"</b>"#])

        let bad: [(String, String)] = [
            ("not json", "body"),
            (#"{"metrics":["visitors"],"date_range":"7d"}"#, "site_id"),
            (#"{"site_id":"a.example","metrics":["visitors; DROP TABLE events"],"date_range":"7d"}"#, "metrics"),
            (#"{"site_id":"a.example","metrics":[],"date_range":"7d"}"#, "metrics"),
            (#"{"site_id":"a.example","metrics":["visitors"],"date_range":"8d"}"#, "date_range"),
            (#"{"site_id":"a.example","metrics":["visitors"],"date_range":["2024-02-30","2024-03-01"]}"#, "date_range"),
            (#"{"site_id":"a.example","metrics":["visitors"],"date_range":["2024-03-02","2024-03-01"]}"#, "date_range"),
            (
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","dimensions":["event:props:x"]}"#,
                "dimensions"
            ),
            (
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","filters":[["matches","event:page",["a"]]]}"#,
                "filters"
            ),
            (
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","filters":[["is","event:page","a"]]}"#,
                "filters"
            ),
            (
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","filters":[["is","event:goal",["Nope"]]]}"#,
                "filters"
            ),
            (
                #"{"site_id":"a.example","metrics":["bounce_rate"],"date_range":"7d","dimensions":["event:page"]}"#,
                "metrics"
            ),
            (#"{"site_id":"a.example","metrics":["conversion_rate"],"date_range":"7d"}"#, "metrics"),
            (
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","pagination":{"limit":10001}}"#,
                "pagination.limit"
            ),
            (
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","pagination":{"offset":-1}}"#,
                "pagination.offset"
            ),
            (
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","order_by":[["pageviews","desc"]]}"#,
                "order_by"
            ),
            (
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":"all","include":{"comparisons":{"mode":"previous_period"}}}"#,
                "include.comparisons"
            ),
            (
                #"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","include":{"comparisons":{"mode":"forever"}}}"#,
                "include.comparisons"
            ),
            (#"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","sql":"SELECT 1"}"#, "sql"),
        ]
        for (body, field) in bad {
            let response = try query(body)
            XCTAssertEqual(response.status, 400, body)
            XCTAssertEqual(response.json["field"] as? String, field, "\(body): \(response.text)")
            XCTAssertFalse((response.json["error"] as? String ?? "").isEmpty, body)
        }
        let deep =
            String(repeating: #"["not","#, count: 10) + #"["is","event:page",["/"]]"#
            + String(repeating: "]", count: 10)
        let tooDeep = try query(
            #"{"site_id":"a.example","metrics":["visitors"],"date_range":"7d","filters":[\#(deep)]}"#)
        XCTAssertEqual(tooDeep.status, 400, tooDeep.text)

        // A site's token sees its own site only; no token sees nothing.
        let own = try query(#"{"site_id":"b.example","metrics":["visitors"],"date_range":"30d"}"#, token: siteToken)
        XCTAssertEqual(own.status, 200, own.text)
        let other = try query(#"{"site_id":"a.example","metrics":["visitors"],"date_range":"30d"}"#, token: siteToken)
        XCTAssertEqual(other.status, 403, other.text)
        let anonymous = try RawHTTPClient(port: statsPort, timeout: 10).request(
            "POST", "/api/v2/query", body: #"{"site_id":"a.example","metrics":["visitors"],"date_range":"30d"}"#)
        XCTAssertEqual(anonymous.status, 401, anonymous.text)

        // ClickHouse gone: 503 with Retry-After, and the answer says what is wrong.
        clickHouse.stop()
        let down = try query(#"{"site_id":"a.example","metrics":["visitors"],"date_range":"30d"}"#)
        XCTAssertEqual(down.status, 503, down.text)
        XCTAssertEqual(down.header("Retry-After"), "5")
        XCTAssertTrue(down.text.contains("ClickHouse"), down.text)
    }

    /// Each metric asked alone is what it is among every other the query allows, for each kind of
    /// dimension, with and without a goal filter and a comparison: a statement works out only the
    /// counts its metrics need (`QuerySQL.neededCounts`), and leaves none out.
    private func checkEachMetricAloneIsWhatItIsAmongTheOthers(from first: String, to last: String) throws {
        let metrics = [
            "visitors", "visits", "pageviews", "events", "views_per_visit", "bounce_rate", "visit_duration",
            "percentage", "conversion_rate",
        ]
        // Per group (its dimensions): the metrics, then the other period's.
        func groups(_ response: RawHTTPResponse) -> [String: [Double]] {
            var groups: [String: [Double]] = [:]
            for row in (response.json["results"] as? [[String: Any]]) ?? [] {
                let key = ((row["dimensions"] as? [String]) ?? []).joined(separator: "|")
                groups[key] = numbers(row) + numbers(row["comparison"] as? [String: Any] ?? [:])
            }
            return groups
        }
        var compared: [String: Int] = [:]
        for dimension in ["", "visit:source", "event:page", "time:day"] {
            for goal in [false, true] {
                for comparing in [false, true] {
                    func ask(_ asked: [String]) throws -> RawHTTPResponse {
                        var parts = [
                            #""site_id":"a.example""#, #""date_range":["\#(first)","\#(last)"]"#,
                            #""metrics":[\#(asked.map { "\"\($0)\"" }.joined(separator: ","))]"#,
                        ]
                        if !dimension.isEmpty { parts.append(#""dimensions":["\#(dimension)"]"#) }
                        if goal { parts.append(#""filters":[["is","event:goal",["Signup"]]]"#) }
                        if comparing { parts.append(#""include":{"comparisons":{"mode":"previous_period"}}"#) }
                        return try query("{" + parts.joined(separator: ",") + "}")
                    }
                    let label = "dimension \(dimension), goal filter \(goal), comparing \(comparing)"
                    var alone: [String: [String: [Double]]] = [:]
                    for metric in metrics {
                        let response = try ask([metric])
                        if response.status == 200 {
                            alone[metric] = groups(response)
                        } else {
                            // Refused as Plausible refuses it: a session metric by an event dimension,
                            // a conversion rate without a goal.
                            XCTAssertEqual(response.status, 400, "\(metric), \(label): \(response.text)")
                        }
                    }
                    let allowed = metrics.filter { alone[$0] != nil }
                    let together = try ask(allowed)
                    XCTAssertEqual(together.status, 200, "\(label): \(together.text)")
                    let rows = groups(together)
                    XCTAssertFalse(rows.isEmpty, label)
                    for (index, metric) in allowed.enumerated() {
                        let width = comparing ? 2 : 1
                        let asked = rows.mapValues { values in
                            (0..<width).map {
                                values.count == allowed.count * width ? values[$0 * allowed.count + index] : .nan
                            }
                        }
                        XCTAssertEqual(asked, alone[metric], "\(metric), \(label)")
                        compared[metric, default: 0] += 1
                    }
                }
            }
        }
        // Every metric was compared somewhere, each combination with several.
        XCTAssertEqual(compared.keys.sorted(), metrics.sorted())
        XCTAssertGreaterThanOrEqual(compared.values.reduce(0, +), 100)
    }
}
