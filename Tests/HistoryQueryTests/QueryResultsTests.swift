import AnalyticsCore
import Foundation
import HistoryQuery
import XCTest

/// ClickHouse's counts made into metrics, JSON and CSV: rates of nothing are 0, CSV fields
/// cannot start a row or run as a formula.
final class QueryResultsTests: XCTestCase {
    private let utc = TimeZone(identifier: "UTC") ?? .current

    private func results(_ json: String, answer: String) throws -> QueryResults {
        let query = try StatsQueryParser(goals: [Goal(name: "Signup", kind: .event("signup"))]).parse(Array(json.utf8))
        let period = QueryPeriod(query.dateRange, comparison: query.comparison, timeZone: utc, now: Date())
        return try QueryResults(
            answer: Array(answer.utf8), sql: QuerySQL(query: query, period: period, goals: [], database: "analytics"))
    }

    func testCSVFieldsAreQuotedWhenTheyHoldALineBreakEvenAsOneCharacter() {
        XCTAssertEqual(
            QueryResults.field("/x\r\n=HYPERLINK(\"http://evil\")"), "\"/x\r\n=HYPERLINK(\"\"http://evil\"\")\"")
        XCTAssertEqual(QueryResults.field("/a,b"), "\"/a,b\"")
        XCTAssertEqual(QueryResults.field("=1+1"), "'=1+1")
        XCTAssertEqual(QueryResults.field("@SUM(A1)"), "'@SUM(A1)")
        XCTAssertEqual(QueryResults.field("-12"), "-12", "a negative number stays a number")
        XCTAssertEqual(QueryResults.field("/plain"), "/plain")
    }

    func testRatesOfNothingAreZeroAndCountsReadBothQuotedAndBare() throws {
        let answer = #"{"data":[["/a","7",3,"0","0","0","0","0"],["/b","1e400","1","1","1","1","1","1"]],"rows":2}"#
        let results = try results(
            #"{"site_id":"a","metrics":["visitors","pageviews","percentage"],"date_range":"7d","dimensions":["event:page"]}"#,
            answer: answer)
        XCTAssertEqual(results.rows.count, 2)
        XCTAssertEqual(results.rows[0].current.visitors, 7)
        XCTAssertEqual(results.rows[0].current.pageviews, 3)
        XCTAssertEqual(results.rows[1].current.visitors, 0, "a count that is not a number reads as 0, not a crash")
        let zero = QueryResults.Counts()
        XCTAssertEqual(results.value(.bounceRate, zero), .integer(0))
        XCTAssertEqual(results.value(.viewsPerVisit, zero), .number(0))
        XCTAssertEqual(results.value(.visitDuration, zero), .integer(0))
        XCTAssertEqual(results.change(.visitors, now: .integer(5), before: .integer(0)), .integer(100))
        XCTAssertEqual(results.change(.visitors, now: .integer(0), before: .integer(0)), .integer(0))
        XCTAssertEqual(results.change(.bounceRate, now: .integer(40), before: .integer(55)), .number(-15))
        let text = String(decoding: results.json(), as: UTF8.self)
        XCTAssertFalse(text.contains("nan") || text.contains("inf"), text)
    }

    func testAnAnswerThatIsNotClickHousesIsAnErrorNotARow() {
        XCTAssertThrowsError(
            try results(
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d"}"#, answer: "Code: 60, e.displayText()"))
        XCTAssertThrowsError(
            try results(#"{"site_id":"a","metrics":["visitors"],"date_range":"7d"}"#, answer: #"{"data":[["x"]]}"#))
    }
}
