import ClickHouse
import Foundation
import HistoryQuery
import XCTest

/// The statement of a query is made of the code's names and of literals only: whatever the values
/// a request carries, the SQL outside its string literals is the same.
final class QuerySQLTests: XCTestCase {
    private let goals = [Goal(name: "Signup", kind: .event("signup")), Goal(name: "O'Brien", kind: .page("/a'b"))]
    private let utc = TimeZone(identifier: "UTC") ?? .current

    private func sql(_ json: String) throws -> QuerySQL {
        let query = try StatsQueryParser(goals: goals).parse(Array(json.utf8))
        let period = QueryPeriod(
            query.dateRange, comparison: query.comparison, timeZone: utc,
            now: Date(timeIntervalSince1970: 1_780_000_000))
        return QuerySQL(query: query, period: period, goals: goals, database: "analytics")
    }

    func testEachQueryReadsTheEventsTheCheapestWayThatAnswersIt() throws {
        let cases: [(String, QuerySQL.Plan)] = [
            (#""metrics":["visitors","bounce_rate"]"#, .visits),
            (#""metrics":["visitors"],"dimensions":["visit:source"]"#, .visits),
            (#""metrics":["visitors"],"dimensions":["visit:country"]"#, .rows),
            (
                #""metrics":["visitors"],"dimensions":["visit:country"],"filters":[["is","visit:source",["x"]]]"#,
                .visits
            ),
            (#""metrics":["visitors"],"dimensions":["event:page"]"#, .rows),
            (#""metrics":["visitors"],"dimensions":["event:page"],"filters":[["is","visit:source",["x"]]]"#, .rows),
            (#""metrics":["visitors"],"dimensions":["time:day"]"#, .rows),
            (#""metrics":["visits"],"dimensions":["time:day"]"#, .joined),
            (#""metrics":["visitors"],"dimensions":["event:page","visit:source"]"#, .joined),
            (
                #""metrics":["visitors"],"dimensions":["event:page"],"filters":[["or",[["is","visit:source",["x"]],["is","event:page",["/"]]]]]"#,
                .joined
            ),
            (#""metrics":["bounce_rate"],"filters":[["is","event:page",["/"]]]"#, .joined),
        ]
        for (parts, plan) in cases {
            XCTAssertEqual(try sql(#"{"site_id":"a","date_range":"7d",\#(parts)}"#).plan, plan, parts)
        }
    }

    func testAStatementWorksOutOnlyTheCountsItsMetricsNeed() throws {
        // The sources card: each visit's visitor and source, no page views, length or bounce.
        let sources = try sql(
            #"{"site_id":"a","date_range":"30d","metrics":["visitors"],"dimensions":["visit:source"]}"#)
        XCTAssertEqual(sources.neededCounts, [.visitors])
        XCTAssertTrue(sources.statement.contains("any(vid) AS v"), sources.statement)
        XCTAssertFalse(sources.statement.contains("countIf(type = 'page_view')"), sources.statement)
        XCTAssertFalse(sources.statement.contains("max(timestamp) - min(timestamp)"), sources.statement)
        XCTAssertTrue(sources.statement.contains("toUInt64(0) AS bounces"), sources.statement)
        // The tiles: everything but events.
        let tiles = try sql(
            #"{"site_id":"a","date_range":"30d","metrics":["visitors","visits","pageviews","views_per_visit","bounce_rate","visit_duration"]}"#
        )
        XCTAssertEqual(tiles.neededCounts, [.visitors, .visits, .pageviews, .bounces, .duration])
        XCTAssertTrue(tiles.statement.contains("countIf(sv <= 1) AS bounces"), tiles.statement)
        XCTAssertTrue(tiles.statement.contains("countIf(type = 'page_view') AS sv"), tiles.statement)
        XCTAssertTrue(tiles.statement.contains("max(timestamp) - min(timestamp) AS sd"), tiles.statement)
        XCTAssertTrue(tiles.statement.contains("toUInt64(0) AS events"), tiles.statement)
        // A goal filter with a dimension counts visitors: groups where nobody converted are left out.
        let converting = try sql(
            #"{"site_id":"a","date_range":"30d","metrics":["events"],"dimensions":["event:page"],"filters":[["is","event:goal",["Signup"]]]}"#
        )
        XCTAssertEqual(converting.neededCounts, [.events, .visitors])
    }

    func testAVisitFilterChoosesTheRowsOfCandidateVisitsOnce() throws {
        // The rows plan reads its rows plain and keeps those of the visits the filter chooses;
        // only the visits it groups to choose them are prefiltered by the value.
        let pages = try sql(
            #"{"site_id":"a","date_range":"30d","metrics":["visitors"],"dimensions":["event:page"],"filters":[["is","visit:source",["x"]]]}"#
        )
        XCTAssertEqual(pages.plan, .rows)
        XCTAssertEqual(pages.statement.components(separatedBy: "AND source IN ('x')").count - 1, 1, pages.statement)
        // …and that one is inside the choice of visits, not on the rows counted.
        let chosen = try XCTUnwrap(pages.statement.range(of: "WHERE sid IN (SELECT sid FROM (SELECT sid"))
        let candidates = try XCTUnwrap(pages.statement.range(of: "AND source IN ('x')"))
        XCTAssertLessThan(chosen.lowerBound, candidates.lowerBound, pages.statement)
        XCTAssertEqual(pages.statement.components(separatedBy: "v_source IN ('x')").count - 1, 1, pages.statement)
    }

    func testOnlyAQueryGroupingTwoPeriodsOfVisitsAsksForMoreThanOneThread() throws {
        let compare = #""include":{"comparisons":{"mode":"previous_period"}}"#
        let tiles = #""metrics":["visitors","bounce_rate"]"#
        XCTAssertTrue(try sql(#"{"site_id":"a","date_range":"30d",\#(tiles),\#(compare)}"#).groupsVisitsOfTwoPeriods)
        XCTAssertFalse(try sql(#"{"site_id":"a","date_range":"30d",\#(tiles)}"#).groupsVisitsOfTwoPeriods)
        XCTAssertFalse(
            try sql(#"{"site_id":"a","date_range":"30d","metrics":["visitors"],"dimensions":["time"],\#(compare)}"#)
                .groupsVisitsOfTwoPeriods)
    }

    private func statement(_ json: String) throws -> String {
        let query = try StatsQueryParser(goals: goals).parse(Array(json.utf8))
        let period = QueryPeriod(
            query.dateRange, comparison: query.comparison, timeZone: utc,
            now: Date(timeIntervalSince1970: 1_780_000_000))
        return QuerySQL(query: query, period: period, goals: goals, database: "analytics").statement
    }

    func testHostileValuesChangeOnlyTheLiterals() throws {
        let hostile = [
            #"') OR 1=1 --"#, #"\\"#, #"\u0000"#, "%", "_", "'", "😀𝄞", #"\n; DROP TABLE events"#, "`", #"\"x\""#,
            "${x}",
        ]
        let template =
            #"{"site_id":"a","metrics":["visitors","bounce_rate","percentage"],"date_range":"30d","dimensions":["visit:source"],"#
            + #""filters":[["or",[["is","event:page",["VALUE"]],["contains_not","visit:utm_campaign",["VALUE"]]]]]}"#
        let plain = try XCTUnwrap(
            SQLLiteral.shape(of: statement(template.replacingOccurrences(of: "VALUE", with: "x"))))
        for value in hostile {
            let sql = try statement(template.replacingOccurrences(of: "VALUE", with: value))
            XCTAssertEqual(SQLLiteral.shape(of: sql), plain, value)
            XCTAssertFalse(sql.utf8.contains(0), "no NUL byte reaches the SQL")
            XCTAssertFalse(sql.contains("\n"), "no line break reaches the SQL")
        }
    }

    func testEachDimensionMetricAndGoalMakesAStatementOfLiteralsAndNames() throws {
        for dimension in QueryDimension.allCases {
            let metrics =
                dimension.isEventDimension ? #""visitors","events""# : #""visitors","visits","visit_duration""#
            let sql = try statement(
                #"{"site_id":"a'b","metrics":[\#(metrics)],"date_range":"7d","dimensions":["\#(dimension.rawValue)"],"include":{"comparisons":{"mode":"previous_period"}}}"#
            )
            XCTAssertNotNil(SQLLiteral.shape(of: sql), dimension.rawValue)
            XCTAssertTrue(sql.contains(#"site = 'a\'b'"#), "the site is a literal: \(dimension.rawValue)")
            XCTAssertTrue(sql.hasSuffix("FORMAT JSONCompact"))
        }
        let sql = try statement(
            #"{"site_id":"a","metrics":["conversion_rate"],"date_range":"7d","dimensions":["event:goal"]}"#)
        XCTAssertTrue(sql.contains(#"path = '/a\'b'"#), sql)
        XCTAssertTrue(sql.contains(#"'O\'Brien'"#), sql)
    }

    func testContainsMatchesPercentAndUnderscoreLiterally() throws {
        let sql = try statement(
            #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["contains","event:page",["50%_off"]]]}"#
        )
        XCTAssertTrue(sql.contains(#"path LIKE '%50\\%\\_off%'"#), sql)
    }
}
