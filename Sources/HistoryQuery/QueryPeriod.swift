import Foundation

/// A query's days made concrete in the site's time zone: the instants they begin and end, the
/// other period when the query compares, and the time buckets its `time` dimension means.
public struct QueryPeriod: Sendable, Equatable {
    /// How far the other period lies before the query's: whole days, or whole months when the
    /// range is whole months (a month is compared with the month before, whatever their lengths).
    public enum Shift: Sendable, Equatable {
        case days(Int)
        case months(Int)

        public func back(_ date: LocalDate) -> LocalDate {
            switch self {
            case .days(let days): date.adding(days: -days)
            case .months(let months): date.adding(months: -months)
            }
        }
    }

    /// Inclusive days, with the instants they begin and end in the site's time zone.
    public struct Days: Sendable, Equatable {
        public var first: LocalDate
        public var last: LocalDate
        /// Seconds since 1970 of the first instant, and of the first instant after the last day.
        public var start: Int
        public var end: Int
    }

    public var timeZone: TimeZone
    public var current: Days
    public var previous: Days?
    public var shift: Shift?
    /// What `time` stands for: hours for a day, days up to three months, else months.
    public var timeBucket: QueryDimension

    public init(_ range: QueryDateRange, comparison: ComparisonMode?, timeZone: TimeZone, now: Date) {
        self.timeZone = timeZone
        let (first, last) = range.days(today: LocalDate(now, in: timeZone))
        current = Self.days(first, last, timeZone)
        let length = last.dayNumber - first.dayNumber + 1
        timeBucket = length <= 1 ? .hour : length <= 93 ? .day : .month
        switch comparison {
        case nil:
            shift = nil
        case .yearOverYear:
            shift = .months(12)
        case .previousPeriod:
            shift = range.isWholeMonths ? .months(first.months(to: last) + 1) : .days(length)
        }
        let today = LocalDate(now, in: timeZone)
        previous = shift.map { shift in
            var (otherFirst, otherLast): (LocalDate, LocalDate)
            switch shift {
            case .days(let days): (otherFirst, otherLast) = (first.adding(days: -days), last.adding(days: -days))
            case .months(let months):
                // The same days of the months before: whole months stay whole months.
                otherFirst = first.adding(months: -months)
                otherLast =
                    range.isWholeMonths
                    ? last.adding(days: 1).adding(months: -months).adding(days: -1) : last.adding(months: -months)
            }
            // A period that runs past today (this month, this year) is compared up to the same
            // day of the other: the 10th of this month with the first 10 days of the last.
            if last > today {
                let elapsed = today.dayNumber - first.dayNumber
                if elapsed >= 0, otherFirst.adding(days: elapsed) < otherLast {
                    otherLast = otherFirst.adding(days: elapsed)
                }
            }
            return Self.days(otherFirst, otherLast, timeZone)
        }
    }

    /// How far the other period's `bucket` is moved onto the query's: whole months for month
    /// buckets of a comparison by months, else the days between the two periods' first days (so a
    /// month's days line up day by day, whatever the two months' lengths).
    public func bucketShift(_ bucket: QueryDimension) -> Shift? {
        guard let shift, let previous else { return nil }
        if bucket == .month, case .months = shift { return shift }
        return .days(current.first.dayNumber - previous.first.dayNumber)
    }

    private static func days(_ first: LocalDate, _ last: LocalDate, _ timeZone: TimeZone) -> Days {
        Days(first: first, last: last, start: first.start(in: timeZone), end: last.adding(days: 1).start(in: timeZone))
    }

    /// `[first, last]` as Plausible echoes them: the first and last second, with their offsets.
    public func echoed(_ days: Days) -> [String] {
        [Self.iso(days.start, timeZone), Self.iso(days.end - 1, timeZone)]
    }

    private static func iso(_ seconds: Int, _ timeZone: TimeZone) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = timeZone
        formatter.formatOptions = [.withInternetDateTime]
        var text = formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
        // ISO8601DateFormatter writes UTC as Z; Plausible writes +00:00.
        if text.hasSuffix("Z") { text = String(text.dropLast()) + "+00:00" }
        return text
    }

    /// Every bucket of `bucket` in the query's days, as the results name them (`meta.time_labels`).
    public func labels(_ bucket: QueryDimension) -> [String] {
        var labels: [String] = []
        switch bucket {
        case .hour:
            var day = current.first
            while day <= current.last, labels.count < 24 * 93 {
                for hour in 0..<24 { labels.append("\(day) \(hour < 10 ? "0" : "")\(hour):00:00") }
                day = day.adding(days: 1)
            }
        case .week:
            var day = current.first.monday
            while day <= current.last, labels.count < 10_000 {
                labels.append(day.description)
                day = day.adding(days: 7)
            }
        case .month:
            var day = current.first.firstOfMonth
            while day <= current.last, labels.count < 10_000 {
                labels.append(day.description)
                day = day.adding(months: 1)
            }
        default:
            var day = current.first
            while day <= current.last, labels.count < 100_000 {
                labels.append(day.description)
                day = day.adding(days: 1)
            }
        }
        return labels
    }

    /// The label of the other period's bucket that `label` (a bucket of the query's) is compared with.
    public func previousLabel(_ label: String, bucket: QueryDimension) -> String {
        guard let shift = bucketShift(bucket) else { return label }
        let dateText = String(label.prefix(10))
        guard let date = LocalDate(dateText) else { return label }
        var shifted = shift.back(date)
        if bucket == .week { shifted = shifted.monday }
        if bucket == .month { shifted = shifted.firstOfMonth }
        return shifted.description + label.dropFirst(10)
    }
}
