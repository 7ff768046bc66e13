import Foundation

/// Renders a `StatsSnapshot` as the text summary the consumer prints (design §5) and as JSON.
///
/// Every list is ordered by count descending, then name ascending, so two runs over the same
/// events print the same text.
public struct StatsRenderer: Sendable {
    public init() {}

    /// Rows of the summary's *Sites* section.
    public static let summarySitesLimit = 10

    /// The text summary; `sites` (most visitors first) fills its *Sites* section.
    public func summary(_ stats: StatsSnapshot, sites: [SiteSummary] = []) -> String {
        var lines = [
            "=== Real-Time Analytics Summary ===",
            "Last Updated: \(stats.lastUpdated)",
            "Total Events: \(stats.totalEvents)",
            "Unique Users: \(stats.uniqueUsers)",
            "Active Sessions: \(stats.activeSessions)",
            "",
            "Events by Type:",
        ]
        lines += Self.counts(stats.eventsByType)
        lines += ["", "Top Pages:"]
        lines +=
            stats.topPages.isEmpty
            ? [Self.none]
            : stats.topPages.map { "  \($0.path): \($0.views) views (\($0.uniqueVisitors) unique visitors)" }
        lines += ["", "Traffic Sources:"]
        lines += Self.counts(stats.trafficSources)
        lines += ["", "Devices:"]
        lines += Self.counts(stats.deviceStats)
        lines += ["", "Browsers:"]
        lines += Self.counts(stats.browserStats)
        // Sections below are additions to the original format, after its own sections.
        if !stats.topCountries.isEmpty {
            lines += ["", "Countries:"]
            lines += stats.topCountries.map { "  \($0.country): \($0.views) views (\($0.visitors) unique visitors)" }
        }
        if !stats.osStats.isEmpty {
            lines += ["", "Operating Systems:"]
            lines += Self.counts(stats.osStats)
        }
        if !stats.topCampaigns.isEmpty {
            lines += ["", "Top Campaigns:"]
            lines += stats.topCampaigns.map { row in
                let tags = [row.source, row.medium].compactMap { $0 }.joined(separator: " / ")
                return "  \(row.campaign)\(tags.isEmpty ? "" : " (\(tags))"): \(row.views) views "
                    + "(\(row.uniqueVisitors) unique visitors)"
            }
        }
        lines += [
            "", "Realtime:",
            "  Current Visitors (last 5 min): \(stats.currentVisitors)",
            "  Events (last 60 min): \(stats.eventsPerMinute.values.reduce(0, +))",
        ]
        let sessions = stats.sessionMetrics
        if sessions.sessionsStarted > 0 {
            lines += [
                "", "Sessions:",
                "  Started: \(sessions.sessionsStarted)",
                "  Bounce Rate: " + String(format: "%.1f%%", sessions.bounceRate * 100),
                "  Average Duration: " + String(format: "%.1f s", sessions.averageDurationSeconds),
                "  Pages per Session: " + String(format: "%.2f", sessions.pagesPerSession),
            ]
            if sessions.closedEarly > 0 {
                lines.append("  Closed Early (SESSION_CAPACITY full): \(sessions.closedEarly)")
            }
        }
        let performance = stats.performanceMetrics
        if performance.samples > 0 {
            lines += [
                "", "Page Load Time:",
                "  Average: \(Self.milliseconds(performance.averageLoadTime))",
                "  Median: \(Self.milliseconds(performance.medianLoadTime))",
                "  P95: \(Self.milliseconds(performance.p95LoadTime))",
            ]
        }
        if stats.botEvents > 0 {
            lines += ["", "Bot Events: \(stats.botEvents)"]
        }
        if stats.invalidRecords > 0 {
            lines += ["", "Invalid Records Skipped: \(stats.invalidRecords)"]
        }
        if stats.duplicateEvents > 0 {
            lines += ["", "Duplicate Events Ignored: \(stats.duplicateEvents)"]
        }
        if let partitions = stats.partitions, !partitions.fromPartials.isEmpty {
            let list = { (numbers: [Int32]) in
                numbers.isEmpty ? "none" : numbers.map(String.init).joined(separator: ",")
            }
            var line =
                "  Partitions: \(list(partitions.owned)) counted here, \(list(partitions.fromPartials)) from partials"
            if let age = partitions.oldestPartialAgeSeconds { line += String(format: " (oldest %.1f s)", age) }
            lines += ["", "Consumer Group:", line]
        }
        if !sites.isEmpty {
            lines += ["", "Sites:"]
            lines += sites.prefix(Self.summarySitesLimit).map { row in
                "  \(row.site): \(row.visitors) visitors, \(row.pageviews) page views, "
                    + "\(row.currentVisitors) current visitors"
            }
            if sites.count > Self.summarySitesLimit {
                lines.append("  (\(sites.count - Self.summarySitesLimit) more: GET /api/sites)")
            }
        }
        if stats.sitesOverCapacity > 0 {
            lines += ["", "Events of Sites over MAX_SITES (in the totals only): \(stats.sitesOverCapacity)"]
        }
        lines.append("===================================")
        return lines.joined(separator: "\n") + "\n"
    }

    /// The snapshot as `GET /analytics` serves it. Every figure is finite by construction; should
    /// one not be, the error names it rather than an empty object standing in for the figures.
    public func json(_ stats: StatsSnapshot) throws(SnapshotEncodingError) -> [UInt8] {
        try encoded(stats)
    }

    /// The rows of `GET /api/sites`.
    public func json(_ sites: [SiteSummary]) throws(SnapshotEncodingError) -> [UInt8] {
        try encoded(sites)
    }

    private func encoded(_ value: some Encodable) throws(SnapshotEncodingError) -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return Array(try encoder.encode(value))
        } catch let EncodingError.invalidValue(value, context) {
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw SnapshotEncodingError(detail: "\(path) is \(value)")
        } catch {
            throw SnapshotEncodingError(detail: "\(error)")
        }
    }

    static let none = "  (none yet)"

    private static func counts(_ counts: [String: Int]) -> [String] {
        counts.isEmpty ? [none] : ordered(counts).map { "  \($0.key): \($0.value)" }
    }

    static func ordered(_ counts: [String: Int]) -> [(key: String, value: Int)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
    }

    private static func milliseconds(_ value: Double) -> String {
        String(format: "%.1f ms", value)
    }
}
