import Foundation

/// Parses and formats RFC 3339 timestamps without `DateFormatter`.
///
/// It exists because timestamps are parsed on every event on both hot paths, and
/// `DateFormatter`/`ISO8601DateFormatter` are slow and locale-sensitive. Pure arithmetic
/// (Howard Hinnant's civil-date algorithms) is exact and thread-safe.
public enum RFC3339 {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)`; `t`, `z` and a space separator are accepted.
    public static func parse(_ text: String) -> Date? {
        // Read in place: copying the bytes into an array was an allocation per event.
        text.withUTF8InPlace { parse(bytes: $0) }
    }

    /// `parse` over a timestamp's UTF-8 bytes, for a decoder reading them in place.
    static func parse(_ bytes: UnsafeRawBufferPointer) -> Date? {
        parse(bytes: bytes.assumingMemoryBound(to: UInt8.self))
    }

    private static func parse(bytes: UnsafeBufferPointer<UInt8>) -> Date? {
        guard bytes.count >= 20 else { return nil }
        func digits(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= bytes.count else { return nil }
            var value = 0
            for index in start..<(start + count) {
                let byte = bytes[index]
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = digits(0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = digits(5, 2), bytes[7] == UInt8(ascii: "-"),
            let day = digits(8, 2),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t") || bytes[10] == UInt8(ascii: " "),
            let hour = digits(11, 2), bytes[13] == UInt8(ascii: ":"),
            let minute = digits(14, 2), bytes[16] == UInt8(ascii: ":"),
            let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), day >= 1, day <= daysInMonth(year: year, month: month),
            hour <= 23, minute <= 59, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            var scale = 0.1
            let start = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 {
                fraction += Double(bytes[index] - 0x30) * scale
                scale /= 10
                index += 1
            }
            guard index > start else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            index += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = bytes[index] == UInt8(ascii: "+") ? 1 : -1
            guard let offsetHour = digits(index + 1, 2), index + 3 < bytes.count,
                bytes[index + 3] == UInt8(ascii: ":"), let offsetMinute = digits(index + 4, 2),
                offsetHour <= 23, offsetMinute <= 59
            else { return nil }
            offsetSeconds = sign * (offsetHour * 3600 + offsetMinute * 60)
            index += 6
        default:
            return nil
        }
        guard index == bytes.count else { return nil }
        let days = daysFromCivil(year: year, month: month, day: day)
        let seconds = days * 86_400 + hour * 3600 + minute * 60 + min(second, 59) - offsetSeconds
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// Formats as UTC with milliseconds: `2026-11-28T12:00:00.123Z`.
    public static func formatWithMilliseconds(_ date: Date) -> String {
        let totalMilliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let milliseconds = Int(((totalMilliseconds % 1000) + 1000) % 1000)
        let seconds = (totalMilliseconds - Int64(milliseconds)) / 1000
        return String(unsafeUninitializedCapacity: 24) { buffer in
            var position = write(seconds: seconds, into: buffer)
            buffer[position] = UInt8(ascii: ".")
            put(milliseconds, width: 3, into: buffer, at: position + 1)
            position += 4
            buffer[position] = UInt8(ascii: "Z")
            return position + 1
        }
    }

    /// Formats as UTC to the second: `2026-11-28T12:00:00Z`.
    public static func formatSeconds(_ date: Date) -> String {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return String(unsafeUninitializedCapacity: 24) { buffer in
            let position = write(seconds: seconds, into: buffer)
            buffer[position] = UInt8(ascii: "Z")
            return position + 1
        }
    }

    /// The UTC day of `date`: `2026-11-28`.
    public static func day(_ date: Date) -> String {
        String(formatSeconds(date).prefix(10))
    }

    /// The start of the UTC hour that holds `date`, as seconds since 1970.
    public static func hourStart(_ date: Date) -> Int64 {
        intervalStart(date, seconds: 3600)
    }

    /// The start of the UTC interval of `seconds` (a minute, an hour) that holds `date`, as
    /// seconds since 1970.
    public static func intervalStart(_ date: Date, seconds length: Int64) -> Int64 {
        let seconds = Int64(date.timeIntervalSince1970.rounded(.down))
        return seconds - ((seconds % length) + length) % length
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS` (years 0–9999) and returns the number of bytes written.
    private static func write(seconds: Int64, into buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civilFromDays(Int(days))
        put(min(max(year, 0), 9999), width: 4, into: buffer, at: 0)
        buffer[4] = UInt8(ascii: "-")
        put(month, width: 2, into: buffer, at: 5)
        buffer[7] = UInt8(ascii: "-")
        put(day, width: 2, into: buffer, at: 8)
        buffer[10] = UInt8(ascii: "T")
        put(secondOfDay / 3600, width: 2, into: buffer, at: 11)
        buffer[13] = UInt8(ascii: ":")
        put(secondOfDay / 60 % 60, width: 2, into: buffer, at: 14)
        buffer[16] = UInt8(ascii: ":")
        put(secondOfDay % 60, width: 2, into: buffer, at: 17)
        return 19
    }

    /// Writes `value` as `width` decimal digits, zero-padded.
    private static func put(_ value: Int, width: Int, into buffer: UnsafeMutableBufferPointer<UInt8>, at offset: Int) {
        var remaining = value
        for index in stride(from: offset + width - 1, through: offset, by: -1) {
            buffer[index] = UInt8(ascii: "0") + UInt8(remaining % 10)
            remaining /= 10
        }
    }

    private static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// The days of `month` (1–12) in `year`, in the proleptic Gregorian calendar.
    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of `days` since 1970-01-01 (Howard Hinnant's algorithm).
    public static func civilFromDays(_ days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthPrime = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthPrime + 2) / 5 + 1
        let month = monthPrime < 10 ? monthPrime + 3 : monthPrime - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
