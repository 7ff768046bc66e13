import Foundation
import TestSupport
import XCTest

/// The dashboard's history in headless Chromium, on the real pipeline and ClickHouse of
/// `HistoryQueryTestCase`: what the page shows is what `POST /api/v2/query` answers, a click on a
/// row narrows every card, the URL carries the view, and markup from events stays text.
final class HistoryDashboardTests: HistoryQueryTestCase {
    private var browser: Browser?

    override func tearDown() {
        browser = nil
        super.tearDown()
    }

    /// Opens `path` logged in with the stats token and waits for the history to load.
    private func open(_ path: String) throws -> Browser {
        let browser = try browser ?? Browser(width: 1440, height: 1000)
        self.browser = browser
        try browser.open("http://127.0.0.1:\(statsPort)/?token=\(statsToken)")
        try browser.open("http://127.0.0.1:\(statsPort)\(path)")
        XCTAssertTrue(waitForHistory(browser), "the history did not load: \(browser.statusLine())")
        return browser
    }

    private func waitForHistory(_ browser: Browser) -> Bool {
        browser.wait(
            timeout: 30,
            until: """
                const text = document.getElementById('status-text').textContent;
                return text.startsWith('History ·') || text.startsWith('History unavailable');
                """)
    }

    /// Each card's rows as its cells' text.
    private func cards(_ browser: Browser) throws -> [[[String]]] {
        try browser.run(
            """
            return Array.from(document.querySelectorAll('.history-card')).map(function (card) {
              return Array.from(card.querySelectorAll('tbody tr')).map(function (row) {
                return Array.from(row.cells).map(function (cell) { return cell.textContent; });
              });
            });
            """) as? [[[String]]] ?? []
    }

    private static func grouped(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.locale = Locale(identifier: "en_US")
        return formatter.string(from: NSNumber(value: Int(value))) ?? ""
    }

    private static func duration(_ seconds: Double) -> String {
        let value = Int(seconds)
        if value < 60 { return "\(value)s" }
        return "\(value / 60)m " + String(format: "%02d", value % 60) + "s"
    }

    /// The tiles the page should show for an API answer, formatted as the page states.
    private func expectedTiles(range: String, filters: String = "[]") throws -> [String: String] {
        let rows = try results(
            #"{"site_id":"a.example","metrics":["visitors","visits","pageviews","views_per_visit","bounce_rate","visit_duration"],"date_range":"\#(range)","filters":\#(filters)}"#
        )
        let values = numbers(rows.first ?? [:])
        guard values.count == 6 else { return [:] }
        return [
            "visitors": Self.grouped(values[0]), "visits": Self.grouped(values[1]),
            "pageviews": Self.grouped(values[2]),
            "views_per_visit": String(format: "%.2f", values[3]), "bounce_rate": "\(Int(values[4]))%",
            "visit_duration": Self.duration(values[5]),
        ]
    }

    /// Each card's first tab as the API gives it: names and first metric, for a filter.
    private func expectedCard(_ dimension: String, metric: String, filters: String) throws -> [[String]] {
        try results(
            #"{"site_id":"a.example","metrics":["\#(metric)"],"date_range":"30d","dimensions":["\#(dimension)"],"filters":\#(filters),"pagination":{"limit":9}}"#
        ).map { row in
            [(row["dimensions"] as? [String])?.first ?? "", Self.grouped(numbers(row).first ?? -1)]
        }
    }

    func testThePickedPeriodShowsTheAPIsFiguresARowFiltersEveryCardAndMarkupStaysText() throws {
        try importEvents()
        // Last 7 days: the tiles are the API's figures.
        var browser = try open("/?site=a.example&range=7d")
        XCTAssertEqual(try browser.tileValues("history-tile"), try expectedTiles(range: "7d"), browser.statusLine())
        XCTAssertEqual(try browser.run("return document.getElementById('range').value;") as? String, "7d")

        // Picking Last 30 days from the picker puts it in the URL and loads it.
        _ = try browser.run(
            """
            const select = document.getElementById('range');
            select.value = '30d';
            select.dispatchEvent(new Event('change'));
            """)
        XCTAssertTrue(browser.wait(timeout: 20, until: "return location.search.includes('range=30d');"))
        XCTAssertTrue(waitForHistory(browser))
        XCTAssertEqual(try browser.tileValues("history-tile"), try expectedTiles(range: "30d"), browser.statusLine())

        // A click on the source "newsletter" narrows every card and the tiles.
        let clicked =
            try browser.run(
                """
                const row = Array.from(document.querySelectorAll('.history-card[data-card="1"] tbody tr'))
                  .find(function (row) { return row.cells[0].textContent === 'newsletter'; });
                if (!row) return false;
                row.click();
                return true;
                """) as? Bool
        XCTAssertEqual(clicked, true, "a newsletter row in Sources")
        XCTAssertTrue(
            browser.wait(timeout: 20, until: "return location.search.includes('filter=visit%3Asource%7Cnewsletter');"))
        XCTAssertTrue(
            browser.wait(timeout: 20, until: "return document.querySelectorAll('.chip').length === 1;"))
        XCTAssertTrue(waitForHistory(browser))
        let filter = #"[["is","visit:source",["newsletter"]]]"#
        XCTAssertEqual(try browser.tileValues("history-tile"), try expectedTiles(range: "30d", filters: filter))
        let shown = try cards(browser)
        let dimensions = ["event:page", "visit:source", "visit:country", "visit:device"]
        let metrics = ["visitors", "visitors", "visitors", "visitors"]
        for (index, dimension) in dimensions.enumerated() {
            let expected = try expectedCard(dimension, metric: metrics[index], filters: filter)
            let page = shown[index].map { cells in [cells[0], cells[1]] }
            let names = dimension == "visit:country" ? page.map { [$0[0], $0[1]] } : page
            XCTAssertEqual(names.map { $0[1] }, expected.map { $0[1] }, dimension)
            if dimension != "visit:country" { XCTAssertEqual(names.map { $0[0] }, expected.map { $0[0] }, dimension) }
        }
        XCTAssertEqual(shown[1].map { $0[0] }, ["newsletter"], "Sources shows only the chosen source")
        XCTAssertEqual(try browser.text(".chip"), "Source is newsletter")

        // The URL round-trips: reloaded in a new browser, the same view.
        let url = try browser.run("return location.pathname + location.search;") as? String ?? ""
        let before = try browser.tileValues("history-tile")
        self.browser = nil
        browser = try open(url)
        XCTAssertEqual(try browser.tileValues("history-tile"), before)
        XCTAssertEqual(try browser.text(".chip"), "Source is newsletter")

        // The chip removes itself, and its filter, on click.
        _ = try browser.run("document.querySelector('.chip').click();")
        XCTAssertTrue(browser.wait(timeout: 20, until: "return !location.search.includes('filter=');"))
        XCTAssertTrue(browser.wait(timeout: 20, until: "return document.querySelectorAll('.chip').length === 0;"))

        // A path full of markup is text in a chip and a row; Details has more rows and the CSV.
        let markup = #"/o'brien<b>"x"</b>"#
        let query =
            "?site=a.example&range=30d&filter="
            + ("event:page|" + markup).addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        browser = try open("/" + query)
        XCTAssertEqual(try browser.text(".chip"), "Page is " + markup)
        XCTAssertEqual(
            try browser.run("return document.querySelectorAll('.chips b, .history-cards b, .history b').length;")
                as? Int,
            0, "no element was made of the path")
        XCTAssertTrue(
            browser.wait(timeout: 20, until: "return document.querySelector('.history-card tbody tr td') !== null;"))
        XCTAssertEqual(try cards(browser).first?.first?.first, markup, "the page's row shows the path as text")

        // Details: more rows, then the CSV the page downloads is the API's CSV.
        _ = try browser.run("document.querySelector('.chip').click();")
        XCTAssertTrue(browser.wait(timeout: 20, until: "return document.querySelectorAll('.chip').length === 0;"))
        XCTAssertTrue(waitForHistory(browser))
        _ = try browser.run("document.querySelector('.history-card .details-open').click();")
        XCTAssertTrue(
            browser.wait(
                timeout: 20,
                until:
                    "return document.getElementById('details').open && /rows?$/.test(document.querySelector('.details-note').textContent);"
            ))
        let pages = sent.grouped(site: "a.example", from: sent.days(29, 0).first, to: sent.days(29, 0).last, zone: .utc)
        {
            event, _ in event.path
        }
        let detailRows = try browser.run("return document.querySelectorAll('#details tbody tr').length;") as? Int
        XCTAssertEqual(detailRows, pages.count)
        let csv =
            try browser.run(
                """
                const done = arguments[arguments.length - 1];
                return fetch('/api/v2/query', {method: 'POST', headers: {'Content-Type': 'application/json', Accept: 'text/csv'},
                  body: JSON.stringify({site_id: 'a.example', metrics: ['visitors', 'pageviews'], date_range: '30d',
                    dimensions: ['event:page'], pagination: {limit: 10000, offset: 0}, include: {total_rows: true}})})
                  .then(function (response) { return response.text(); });
                """) as? String
        XCTAssertEqual(csv?.split(separator: "\r\n").first, "event:page,visitors,pageviews")
        XCTAssertEqual(csv?.split(separator: "\r\n").count, pages.count + 1)
    }

    func testWithHistoryOffThePickerOffersOnlyRealtimeAndSaysHowToTurnItOn() throws {
        try pipeline.startProducer()
        let (_, port) = try pipeline.startConsumer()
        _ = try pipeline.post("/event", #"{"type":"page_view","url":"https://solo.example/"}"#)
        _ = pipeline.waitForTotal(1, port: port)
        let browser = try Browser(width: 1280, height: 900)
        self.browser = browser
        try browser.open("http://127.0.0.1:\(port)/?range=30d")
        XCTAssertTrue(
            browser.wait(
                timeout: 20, until: "return document.getElementById('status-text').textContent.startsWith('Live');"),
            "the live view, whatever the URL asks")
        let options =
            try browser.run(
                "return Array.from(document.querySelectorAll('#range option')).map(function (o) { return o.textContent; });"
            )
            as? [String]
        XCTAssertEqual(options, ["Realtime"])
        XCTAssertEqual(try browser.run("return document.getElementById('history-off').hidden;") as? Bool, false)
        XCTAssertTrue((try browser.text("#history-off") ?? "").contains("CLICKHOUSE_URL"))
    }
}
