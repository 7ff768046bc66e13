import Foundation
import HistoryQuery
import XCTest

/// Date ranges made concrete in a site's time zone, and the periods they are compared with.
final class QueryPeriodTests: XCTestCase {
    private let utc = TimeZone(identifier: "UTC") ?? .current
    private let berlin = TimeZone(identifier: "Europe/Berlin") ?? .current

    private func date(_ text: String) -> LocalDate { LocalDate(text) ?? LocalDate(year: 1970, month: 1, day: 1) }

    private func instant(_ text: String) -> Date { ISO8601DateFormatter().date(from: text) ?? Date() }

    func testNamedRangesEndTodayInTheSitesTimeZone() {
        // 23:30 UTC on 31 March is already 1 April in Berlin.
        let now = instant("2026-03-31T23:30:00Z")
        let cases: [(QueryDateRange, String, String)] = [
            (.day, "2026-04-01", "2026-04-01"), (.sevenDays, "2026-03-26", "2026-04-01"),
            (.thirtyDays, "2026-03-03", "2026-04-01"), (.month, "2026-04-01", "2026-04-30"),
            (.sixMonths, "2025-11-01", "2026-04-30"), (.twelveMonths, "2025-05-01", "2026-04-30"),
            (.year, "2026-01-01", "2026-12-31"),
        ]
        for (range, first, last) in cases {
            let period = QueryPeriod(range, comparison: nil, timeZone: berlin, now: now)
            XCTAssertEqual(period.current.first.description, first, "\(range)")
            XCTAssertEqual(period.current.last.description, last, "\(range)")
        }
        XCTAssertEqual(
            QueryPeriod(.day, comparison: nil, timeZone: utc, now: now).current.first.description, "2026-03-31")
    }

    func testDaysBeginAtLocalMidnightAcrossDaylightSavingTime() {
        // Berlin moves to summer time on 29 March 2026: that day has 23 hours.
        let period = QueryPeriod(
            .custom(first: date("2026-03-29"), last: date("2026-03-29")), comparison: nil, timeZone: berlin, now: Date()
        )
        XCTAssertEqual(period.current.start, Int(instant("2026-03-28T23:00:00Z").timeIntervalSince1970))
        XCTAssertEqual(period.current.end - period.current.start, 23 * 3600)
        XCTAssertEqual(period.echoed(period.current), ["2026-03-29T00:00:00+01:00", "2026-03-29T23:59:59+02:00"])
        XCTAssertEqual(period.timeBucket, .hour)
        XCTAssertEqual(period.labels(.hour).count, 24)
    }

    func testThePreviousPeriodIsAsLongAndWholeMonthsStayWholeMonths() {
        let week = QueryPeriod(
            .custom(first: date("2026-03-10"), last: date("2026-03-16")), comparison: .previousPeriod, timeZone: utc,
            now: Date())
        XCTAssertEqual(week.previous?.first.description, "2026-03-03")
        XCTAssertEqual(week.previous?.last.description, "2026-03-09")
        XCTAssertEqual(week.shift, .days(7))
        XCTAssertEqual(week.previousLabel("2026-03-12", bucket: .day), "2026-03-05")

        let march = QueryPeriod(
            .month, comparison: .previousPeriod, timeZone: utc, now: instant("2026-03-15T12:00:00Z"))
        XCTAssertEqual(march.previous?.first.description, "2026-02-01")
        XCTAssertEqual(march.previous?.last.description, "2026-02-15", "this month so far with as many days before")
        XCTAssertEqual(march.shift, .months(1))
        XCTAssertEqual(march.previousLabel("2026-03-15", bucket: .day), "2026-02-15")
        XCTAssertEqual(march.previousLabel("2026-03-01", bucket: .month), "2026-02-01")
        let lastMonth = QueryPeriod(
            .lastMonth, comparison: .previousPeriod, timeZone: utc, now: instant("2026-03-15T12:00:00Z"))
        XCTAssertEqual(lastMonth.current.first.description, "2026-02-01")
        XCTAssertEqual(lastMonth.previous?.last.description, "2026-01-31", "whole months stay whole")
        // Day by day: February's 28 days against January's first 28, never three onto one.
        XCTAssertEqual(lastMonth.bucketShift(.day), .days(31))
        XCTAssertEqual(lastMonth.previousLabel("2026-02-28", bucket: .day), "2026-01-28")

        let yearAgo = QueryPeriod(
            .custom(first: date("2024-02-29"), last: date("2024-03-01")), comparison: .yearOverYear, timeZone: utc,
            now: Date())
        XCTAssertEqual(yearAgo.previous?.first.description, "2023-02-28", "29 February a year before is the 28th")
        XCTAssertEqual(yearAgo.previous?.last.description, "2023-03-01")
    }

    func testTimeMeansHoursDaysOrMonthsAsTheRangeSuits() {
        let now = instant("2026-06-15T12:00:00Z")
        XCTAssertEqual(QueryPeriod(.day, comparison: nil, timeZone: utc, now: now).timeBucket, .hour)
        XCTAssertEqual(QueryPeriod(.thirtyDays, comparison: nil, timeZone: utc, now: now).timeBucket, .day)
        XCTAssertEqual(QueryPeriod(.twelveMonths, comparison: nil, timeZone: utc, now: now).timeBucket, .month)
        let period = QueryPeriod(
            .custom(first: date("2026-06-03"), last: date("2026-06-16")), comparison: nil, timeZone: utc, now: now)
        XCTAssertEqual(period.labels(.week), ["2026-06-01", "2026-06-08", "2026-06-15"], "weeks start on Monday")
        XCTAssertEqual(period.labels(.day).count, 14)
        XCTAssertEqual(period.labels(.month), ["2026-06-01"])
    }

    func testLocalDatesReadOnlyRealDaysAndCountDaysExactly() {
        XCTAssertNil(LocalDate("2026-02-29"))
        XCTAssertNotNil(LocalDate("2024-02-29"))
        XCTAssertNil(LocalDate("2026-13-01"))
        XCTAssertNil(LocalDate("２０２６-01-01"))
        XCTAssertNil(LocalDate("2026-01-01T00:00:00"))
        XCTAssertNil(LocalDate("1970-01-01"), "begins before 1970 east of Greenwich")
        XCTAssertNil(LocalDate("2106-01-01"), "beyond ClickHouse's DateTime")
        XCTAssertEqual(date("1970-01-01").dayNumber, 0)
        XCTAssertEqual(date("2000-03-01").dayNumber - date("2000-02-28").dayNumber, 2)
        for day in stride(from: -1000, to: 100_000, by: 37) {
            XCTAssertEqual(LocalDate(dayNumber: day).dayNumber, day)
        }
        XCTAssertEqual(date("2026-01-31").adding(months: 1).description, "2026-02-28")
    }
}
