import AnalyticsCore
import Foundation

/// The `date_range` of a query: a named range relative to today in the site's time zone, or two
/// inclusive dates.
public enum QueryDateRange: Sendable, Equatable {
    case day, sevenDays, thirtyDays, month, sixMonths, twelveMonths, year, all
    /// Our additions to Plausible's names, for the dashboard's picker: the day before today and
    /// the calendar month before this one, in the site's time zone.
    case yesterday, lastMonth
    case custom(first: LocalDate, last: LocalDate)

    public static let names: [(String, QueryDateRange)] = [
        ("day", .day), ("7d", .sevenDays), ("30d", .thirtyDays), ("month", .month), ("6mo", .sixMonths),
        ("12mo", .twelveMonths), ("year", .year), ("all", .all), ("yesterday", .yesterday), ("last_month", .lastMonth),
    ]

    /// The first day `all` reaches back to (imports may go back 50 years).
    public static let beginning = LocalDate(year: 1970, month: 1, day: 2)

    /// The inclusive days of the range for `today`.
    public func days(today: LocalDate) -> (first: LocalDate, last: LocalDate) {
        switch self {
        case .day: (today, today)
        case .yesterday: (today.adding(days: -1), today.adding(days: -1))
        case .lastMonth: (today.firstOfMonth.adding(months: -1), today.firstOfMonth.adding(days: -1))
        case .sevenDays: (today.adding(days: -6), today)
        case .thirtyDays: (today.adding(days: -29), today)
        case .month: (today.firstOfMonth, today.firstOfMonth.adding(months: 1).adding(days: -1))
        case .sixMonths: (today.firstOfMonth.adding(months: -5), today.firstOfMonth.adding(months: 1).adding(days: -1))
        case .twelveMonths:
            (today.firstOfMonth.adding(months: -11), today.firstOfMonth.adding(months: 1).adding(days: -1))
        case .year:
            (LocalDate(year: today.year, month: 1, day: 1), LocalDate(year: today.year, month: 12, day: 31))
        case .all: (Self.beginning, today)
        case .custom(let first, let last): (first, last)
        }
    }

    /// Whether the range is whole calendar months (its previous period is then the months before).
    public var isWholeMonths: Bool {
        switch self {
        case .month, .lastMonth, .sixMonths, .twelveMonths, .year: true
        case .custom(let first, let last): first.day == 1 && last.adding(days: 1).day == 1
        default: false
        }
    }
}
