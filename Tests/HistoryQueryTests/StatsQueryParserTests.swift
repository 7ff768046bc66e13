import HistoryQuery
import XCTest

/// What `POST /api/v2/query` accepts and how it refuses the rest: every refusal names its field.
final class StatsQueryParserTests: XCTestCase {
    private let parser = StatsQueryParser(goals: [
        Goal(name: "Signup", kind: .event("signup")), Goal(name: "Thanks", kind: .page("/thank-you")),
    ])

    private func parse(_ json: String) throws(QueryError) -> StatsQuery { try parser.parse(Array(json.utf8)) }

    private func refusal(_ json: String) -> QueryError? {
        do {
            _ = try parse(json)
            return nil
        } catch {
            return error
        }
    }

    func testAFullQueryIsReadWithEveryPart() throws {
        let query = try parse(
            """
            {"site_id":"Shop.Example","metrics":["visitors","bounce_rate"],"date_range":["2026-01-01","2026-01-31"],
             "dimensions":["visit:source","time:day"],
             "filters":[["is","visit:country",["DE","FR"]],["or",[["contains","event:page",["/blog"]],["not",["is_not","visit:device",["mobile"]]]]]],
             "order_by":[["bounce_rate","asc"]],"include":{"comparisons":{"mode":"year_over_year"},"total_rows":true,"time_labels":true},
             "pagination":{"limit":50,"offset":100}}
            """)
        XCTAssertEqual(query.site, "shop.example", "site names are case-insensitive")
        XCTAssertEqual(query.metrics, [.visitors, .bounceRate])
        XCTAssertEqual(
            query.dateRange,
            .custom(first: LocalDate(year: 2026, month: 1, day: 1), last: LocalDate(year: 2026, month: 1, day: 31)))
        XCTAssertEqual(query.dimensions, [.source, .day])
        XCTAssertEqual(
            query.filters,
            [
                .compare(.is, .country, ["DE", "FR"]),
                .or([.compare(.contains, .page, ["/blog"]), .not(.compare(.isNot, .device, ["mobile"]))]),
            ])
        XCTAssertEqual(query.orderBy, [StatsQuery.Order(key: .metric(.bounceRate), ascending: true)])
        XCTAssertEqual(query.comparison, .yearOverYear)
        XCTAssertTrue(query.totalRows)
        XCTAssertTrue(query.timeLabels)
        XCTAssertEqual(query.limit, 50)
        XCTAssertEqual(query.offset, 100)
    }

    func testEveryNamedRangeMetricAndDimensionIsKnown() throws {
        for (name, _) in QueryDateRange.names {
            XCTAssertNoThrow(try parse(#"{"site_id":"a","metrics":["visitors"],"date_range":"\#(name)"}"#), name)
        }
        for metric in QueryMetric.allCases where metric != .conversionRate {
            XCTAssertNoThrow(try parse(#"{"site_id":"a","metrics":["\#(metric.rawValue)"],"date_range":"7d"}"#))
        }
        for dimension in QueryDimension.allCases {
            XCTAssertNoThrow(
                try parse(
                    #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","dimensions":["\#(dimension.rawValue)"]}"#
                ),
                dimension.rawValue)
        }
    }

    func testEachBadPartIsRefusedByItsField() {
        let cases: [(String, String)] = [
            ("", "body"),
            ("[]", "body"),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","unknown":1}"#, "unknown"),
            (#"{"metrics":["visitors"],"date_range":"7d"}"#, "site_id"),
            (#"{"site_id":"a b","metrics":["visitors"],"date_range":"7d"}"#, "site_id"),
            (#"{"site_id":"","metrics":["visitors"],"date_range":"7d"}"#, "site_id"),
            (#"{"site_id":"a","metrics":"visitors","date_range":"7d"}"#, "metrics"),
            (#"{"site_id":"a","metrics":["visitors","visitors"],"date_range":"7d"}"#, "metrics"),
            (#"{"site_id":"a","metrics":["revenue"],"date_range":"7d"}"#, "metrics"),
            (#"{"site_id":"a","metrics":["visitors"]}"#, "date_range"),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":["2026-01-01"]}"#, "date_range"),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":["2026-1-01","2026-01-02"]}"#, "date_range"),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":["1969-12-31","2026-01-02"]}"#, "date_range"),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":["2026-02-29","2026-03-01"]}"#, "date_range"),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":["2026-01-01garbage","2026-03-01"]}"#, "date_range"),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["is","event:goal",["Signup"]],["is","event:goal",["Thanks"]]]}"#,
                "filters"
            ),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","dimensions":["time","time:day"]}"#,
                "dimensions"
            ),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","dimensions":["event:page","event:name","event:hostname","visit:os"]}"#,
                "dimensions"
            ),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":{"is":1}}"#, "filters"),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["is","time:day",["x"]]]}"#,
                "filters"
            ),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["is","event:page",[]]]}"#,
                "filters"
            ),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["is","event:page",[1]]]}"#,
                "filters"
            ),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["and",[]]]}"#, "filters"),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["not",[["is","event:page",["/"]]]]]}"#,
                "filters"
            ),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["not",["is","event:goal",["Signup"]]]]}"#,
                "filters"
            ),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["contains","event:goal",["S"]]]}"#,
                "filters"
            ),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["is","event:page",["/"],{"case_sensitive":false}]]}"#,
                "filters"
            ),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","include":{"nope":true}}"#, "include.nope"),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","include":{"total_rows":"yes"}}"#,
                "include.total_rows"
            ),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","pagination":{"limit":0}}"#, "pagination.limit"),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","pagination":{"limit":1.5}}"#,
                "pagination.limit"
            ),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","pagination":{"offset":1000001}}"#,
                "pagination.offset"
            ),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","pagination":{"page":2}}"#, "pagination"),
            (#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","order_by":[["visitors","up"]]}"#, "order_by"),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","order_by":[["event:page","asc"]]}"#,
                "order_by"
            ),
            (#"{"site_id":"a","metrics":["visits"],"date_range":"7d","dimensions":["event:name"]}"#, "metrics"),
            (
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","dimensions":["event:goal"],"filters":[["is","event:goal",["Signup"]]]}"#,
                "filters"
            ),
        ]
        for (json, field) in cases {
            guard case .invalid(let refused, let message)? = refusal(json) else {
                XCTFail("accepted: \(json)")
                continue
            }
            XCTAssertEqual(refused, field, "\(json): \(message)")
            XCTAssertFalse(message.isEmpty)
        }
    }

    func testSizesAreBounded() {
        let big = String(repeating: "a", count: StatsQueryParser.maxBodyBytes)
        XCTAssertEqual(
            refusal(#"{"site_id":"\#(big)"}"#), .invalid(field: "body", message: "the query is larger than 64 KiB"))
        let long = String(repeating: "x", count: StatsQueryParser.maxValueBytes + 1)
        XCTAssertNotNil(
            refusal(
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["is","event:page",["\#(long)"]]]}"#
            ))
        let many = (0...StatsQueryParser.maxFilterValues).map { "\"\($0)\"" }.joined(separator: ",")
        XCTAssertNotNil(
            refusal(
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["is","event:page",[\#(many)]]]}"#)
        )
        let leaves = (0...StatsQueryParser.maxFilterLeaves).map { _ in #"["is","event:page",["/"]]"# }.joined(
            separator: ",")
        XCTAssertNotNil(refusal(#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[\#(leaves)]}"#))
        let deep =
            String(repeating: #"["not","#, count: StatsQueryParser.maxFilterDepth) + #"["is","event:page",["/"]]"#
            + String(repeating: "]", count: StatsQueryParser.maxFilterDepth)
        XCTAssertNotNil(refusal(#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[\#(deep)]}"#))
    }

    func testConversionRateNeedsAGoalAndGoalsMustExist() throws {
        XCTAssertNoThrow(
            try parse(
                #"{"site_id":"a","metrics":["conversion_rate"],"date_range":"7d","filters":[["is","event:goal",["Thanks"]]]}"#
            ))
        XCTAssertNoThrow(
            try parse(#"{"site_id":"a","metrics":["conversion_rate"],"date_range":"7d","dimensions":["event:goal"]}"#))
        guard
            case .invalid("filters", let message)? = refusal(
                #"{"site_id":"a","metrics":["visitors"],"date_range":"7d","filters":[["is","event:goal",["Nope"]]]}"#)
        else { return XCTFail("an unknown goal was accepted") }
        XCTAssertTrue(message.contains("Signup, Thanks"), message)
        let withoutGoals = StatsQueryParser(goals: [])
        XCTAssertThrowsError(
            try withoutGoals.parse(
                Array(#"{"site_id":"a","metrics":["visitors"],"date_range":"7d","dimensions":["event:goal"]}"#.utf8)))
    }
}
