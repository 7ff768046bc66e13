import AnalyticsCore
import Foundation

/// A calendar date without a time zone (`YYYY-MM-DD`), in the proleptic Gregorian calendar.
public struct LocalDate: Sendable, Equatable, Comparable, Hashable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    /// `YYYY-MM-DD` from 1970-01-02 to 2105-12-31 (ClickHouse's `DateTime` ends in 2106, and a day
    /// before 2 January 1970 begins before 1970 east of Greenwich); nil for anything else or a day
    /// that does not exist.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.utf8.count == 10, parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            parts.allSatisfy({ $0.utf8.allSatisfy { (0x30...0x39).contains($0) } }),
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
            (1970...2105).contains(year), (1...12).contains(month),
            (1...Self.length(year: year, month: month)).contains(day), year > 1970 || month > 1 || day > 1
        else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The day of `instant` in `timeZone`.
    public init(_ instant: Date, in timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        self.init(year: parts.year ?? 1970, month: parts.month ?? 1, day: parts.day ?? 1)
    }

    public static func length(year: Int, month: Int) -> Int { RFC3339.daysInMonth(year: year, month: month) }

    /// Days since 1970-01-01.
    public var dayNumber: Int { RFC3339.daysFromCivil(year: year, month: month, day: day) }

    public init(dayNumber: Int) {
        let civil = RFC3339.civilFromDays(dayNumber)
        self.init(year: civil.year, month: civil.month, day: civil.day)
    }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// The same day `months` later, clamped to the month's last day.
    public func adding(months: Int) -> LocalDate {
        let index = year * 12 + (month - 1) + months
        let newYear = index / 12
        let newMonth = index % 12 + 1
        return LocalDate(year: newYear, month: newMonth, day: min(day, Self.length(year: newYear, month: newMonth)))
    }

    /// The Monday of this day's week (1970-01-01, day 0, was a Thursday).
    public var monday: LocalDate { adding(days: -((dayNumber + 3) % 7 + 7) % 7) }

    public var firstOfMonth: LocalDate { LocalDate(year: year, month: month, day: 1) }

    /// Whole months from `self`'s month to `other`'s.
    public func months(to other: LocalDate) -> Int { (other.year * 12 + other.month) - (year * 12 + month) }

    /// The instant this day begins in `timeZone`, seconds since 1970.
    public func start(in timeZone: TimeZone) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let components = DateComponents(year: year, month: month, day: day)
        // A day that begins in a DST gap begins at the first instant that exists.
        let date = calendar.date(from: components) ?? Date(timeIntervalSince1970: Double(dayNumber * 86_400))
        return Int(calendar.startOfDay(for: date).timeIntervalSince1970)
    }

    public var description: String {
        let y = String(year)
        let m = month < 10 ? "0\(month)" : String(month)
        let d = day < 10 ? "0\(day)" : String(day)
        return "\(String(repeating: "0", count: max(0, 4 - y.count)))\(y)-\(m)-\(d)"
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.dayNumber < rhs.dayNumber }
}
