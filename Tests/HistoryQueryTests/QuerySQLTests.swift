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
