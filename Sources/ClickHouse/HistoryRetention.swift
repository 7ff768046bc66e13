import Foundation

/// `HISTORY_RETENTION_MONTHS`: whole months of history kept, older monthly partitions of `events`
/// dropped. ClickHouse 18.16 has no `TTL`, and dropping a partition is instant and exact where a
/// `DELETE` mutation rewrites parts.
public enum HistoryRetention {
    /// The oldest month kept when `months` months are (the current one included): as `YYYYMM`,
    /// the partition id of `events`, and its first second (UTC, seconds since 1970).
    public static func firstKeptMonth(months: Int, now: Date) -> (partition: Int, start: Int) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let current = calendar.dateComponents([.year, .month], from: now)
        let index = (current.year ?? 1970) * 12 + (current.month ?? 1) - 1 - max(0, months - 1)
        let year = index / 12
        let month = index % 12 + 1
        let start = calendar.date(from: DateComponents(year: year, month: month, day: 1)) ?? now
        return (year * 100 + month, Int(start.timeIntervalSince1970))
    }

    /// Drops every monthly partition of `events` older than the `months` kept. Returns the
    /// partitions dropped (`YYYYMM`).
    @discardableResult
    public static func apply(months: Int, now: Date, client: ClickHouseClient) throws(ClickHouseError) -> [Int] {
        let oldest = firstKeptMonth(months: months, now: now).partition
        let database = SQLLiteral.string(client.endpoint.database)
        let partitions = try client.text(
            "SELECT DISTINCT partition FROM system.parts WHERE database = \(database) AND table = 'events' "
                + "AND active FORMAT TabSeparated"
        ).split(separator: "\n").compactMap { Int($0) }
        var dropped: [Int] = []
        for partition in partitions.sorted() where partition < oldest {
            try client.execute("ALTER TABLE events DROP PARTITION \(SQLLiteral.integer(partition))")
            dropped.append(partition)
        }
        return dropped
    }
}
