import Foundation
import HistoryQuery
import XCTest

@testable import consumer

/// How many ClickHouse threads a history query asks for: every core alone, one beside others,
/// two for the query that groups two periods' visits, never every core beside others.
final class QueryThreadsTests: XCTestCase {
    private func sql(_ json: String) throws -> QuerySQL {
        let query = try StatsQueryParser(goals: []).parse(Array(json.utf8))
        let period = QueryPeriod(
            query.dateRange, comparison: query.comparison, timeZone: TimeZone(identifier: "UTC") ?? .current,
            now: Date(timeIntervalSince1970: 1_780_000_000))
        return QuerySQL(query: query, period: period, goals: [], database: "analytics")
    }

    func testTheTilesWithAComparisonGetTwoThreadsBesideOthersAndEveryOtherQueryOne() throws {
        let tiles = try sql(
            #"{"site_id":"a","date_range":"30d","metrics":["visitors","bounce_rate"],"include":{"comparisons":{"mode":"previous_period"}}}"#
        )
        let chart = try sql(
            #"{"site_id":"a","date_range":"30d","metrics":["visitors"],"dimensions":["time"],"include":{"comparisons":{"mode":"previous_period"}}}"#
        )
        XCTAssertNil(HistoryQueries.threads(tiles, inFlight: 1))
        XCTAssertNil(HistoryQueries.threads(chart, inFlight: 1))
        XCTAssertEqual(HistoryQueries.threads(tiles, inFlight: 7), "2")
        XCTAssertEqual(HistoryQueries.threads(chart, inFlight: 7), "1")
    }
}
