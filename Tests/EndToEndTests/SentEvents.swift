import Foundation

/// One event the test sent, with what the history should make of it.
struct SentEvent {
    var id: String
    var site: String
    var time: Int
    var type: String
    var path: String
    var session: String
    var user: String
    var country: String
    /// The utm_source of its URL; nil: none (the visit's source is then "direct").
    var utmSource: String?

    var source: String { utmSource ?? "direct" }

    var goal: String? {
        if type == "signup" { return "Signup" }
        if type == "page_view" && path == "/pricing" { return "Pricing" }
        return nil
    }

    var json: String {
        let query = utmSource.map { "?utm_source=\($0)&utm_medium=referral" } ?? ""
        let formatter = ISO8601DateFormatter()
        let escapedPath = path.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return #"{"type":"\#(type)","id":"\#(id)","session_id":"\#(session)","user_id":"\#(user)","#
            + #""url":"https://\#(site)/\#(query)","path":"\#(escapedPath)","#
            + #""timestamp":"\#(formatter.string(from: Date(timeIntervalSince1970: Double(time))))"}"#
    }
}

/// A visit: its events in time order.
struct SentVisit {
    var events: [SentEvent]
    var first: SentEvent { events[0] }
    var entry: String { events.first { $0.type == "page_view" }?.path ?? "" }
    var exit: String { events.last { $0.type == "page_view" }?.path ?? "" }
}

/// The events of the test and the figures they should give, worked out here independently of
/// the SQL: visitors are distinct user ids, visits distinct sessions (properties from their first
/// event), a bounce a visit of one page view or none, a visit's duration from its first to its last event.
struct SentEvents {
    static let sites = ["a.example", "b.example", "c.example"]
    var events: [SentEvent] = []

    struct Figures {
        var visitors: Double = 0
        var visits: Double = 0
        var pageviews: Double = 0
        var events: Double = 0
        var bounceRate: Double = 0
        var duration: Double = 0
        var all: [Double] {
            [
                visitors, visits, pageviews, events, visits == 0 ? 0 : (pageviews / visits * 100).rounded() / 100,
                bounceRate, duration,
            ]
        }
    }

    static func zone(_ site: String) -> TimeZone {
        site == "b.example" ? TimeZone(identifier: "America/New_York") ?? .utc : .utc
    }

    static func day(_ seconds: Int, _ zone: TimeZone) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = zone
        formatter.dateFormat = "yyyy-MM-dd"
        return formatter.string(from: Date(timeIntervalSince1970: Double(seconds)))
    }

    static func dayBefore(_ day: String, _ days: Int) -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .utc
        formatter.dateFormat = "yyyy-MM-dd"
        guard let date = formatter.date(from: day) else { return "" }
        return formatter.string(from: date.addingTimeInterval(-Double(days) * 86_400))
    }

    /// UTC days `from` to `to` days ago, as `YYYY-MM-DD`.
    func days(_ from: Int, _ to: Int) -> (first: String, last: String) {
        (Self.day(todayStart - from * 86_400, .utc), Self.day(todayStart - to * 86_400, .utc))
    }

    var todayStart = 0

    static func make(today: Date) -> SentEvents {
        var sent = SentEvents()
        sent.todayStart = Int(today.timeIntervalSince1970) / 86_400 * 86_400
        let countries = ["US", "GB", "DE"]
        let sources: [String?] = ["google", "newsletter", nil]
        let entries = ["/", "/blog/a", "/pricing"]
        let later = ["/pricing", "/docs/50%_off", "/blog/a", #"/o'brien<b>"x"</b>"#]
        var serial = 0
        for (siteIndex, site) in sites.enumerated() {
            for daysAgo in 1...60 {
                // b.example's day starts at 02:00 UTC: the evening before in New York.
                let dayStart = sent.todayStart - daysAgo * 86_400 + (site == "b.example" ? 2 : 8) * 3600
                for visit in 0..<(1 + (daysAgo * 7 + siteIndex * 3) % 4) {
                    let session = "s-\(siteIndex)-\(daysAgo)-\(visit)"
                    let user = "u-\(siteIndex)-\((daysAgo * 3 + visit) % 11)"
                    let country = countries[(daysAgo + visit) % 3]
                    let views = 1 + (daysAgo + visit) % 4
                    var types = Array(repeating: "page_view", count: views)
                    if (daysAgo + visit) % 5 == 0 { types.append("signup") }
                    var path = entries[(daysAgo + visit) % 3]
                    for (index, type) in types.enumerated() {
                        if index > 0 && type == "page_view" { path = later[(index + visit + daysAgo) % later.count] }
                        serial += 1
                        sent.events.append(
                            SentEvent(
                                id: Self.uuid(serial), site: site, time: dayStart + visit * 900 + index * 40,
                                type: type,
                                path: path, session: session, user: user, country: country,
                                utmSource: index == 0 ? sources[(daysAgo + 2 * visit) % 3] : nil))
                    }
                }
            }
        }
        return sent
    }

    static func uuid(_ serial: Int) -> String {
        let tail = String(serial, radix: 16)
        return "7e570000-0000-4000-8000-" + String(repeating: "0", count: 12 - tail.count) + tail
    }

    /// The visits of a site in the days `from`…`to` (inclusive, in `zone`), built from the events
    /// in those days only, as the history builds them.
    private func visits(site: String, from: String, to: String, zone: TimeZone) -> [SentVisit] {
        let chosen = events.filter { event in
            guard event.site == site else { return false }
            let day = Self.day(event.time, zone)
            return day >= from && day <= to
        }
        return Dictionary(grouping: chosen, by: \.session).values.map {
            SentVisit(events: $0.sorted { $0.time < $1.time })
        }
    }

    func metrics(site: String, from: String, to: String, zone: TimeZone) -> Figures {
        grouped(site: site, from: from, to: to, zone: zone) { _, _ in "" }[""] ?? Figures()
    }

    /// Figures per group: `key` names the group of an event; `matches` chooses the events
    /// counted (a visit counts where one of its events does).
    func grouped(
        site: String, from: String, to: String, zone: TimeZone,
        where matches: (SentEvent, SentVisit) -> Bool = { _, _ in true },
        key: (SentEvent, SentVisit) -> String
    ) -> [String: Figures] {
        var users: [String: Set<String>] = [:]
        var sessions: [String: [String: SentVisit]] = [:]
        var figures: [String: Figures] = [:]
        for visit in visits(site: site, from: from, to: to, zone: zone) {
            for event in visit.events where matches(event, visit) {
                let group = key(event, visit)
                users[group, default: []].insert(event.user)
                sessions[group, default: [:]][event.session] = visit
                figures[group, default: Figures()].events += 1
                if event.type == "page_view" { figures[group, default: Figures()].pageviews += 1 }
            }
        }
        for (group, visits) in sessions {
            figures[group]?.visitors = Double(users[group]?.count ?? 0)
            figures[group]?.visits = Double(visits.count)
            let bounces = visits.values.filter { $0.events.filter { $0.type == "page_view" }.count <= 1 }.count
            figures[group]?.bounceRate = (Double(bounces) / Double(visits.count) * 100).rounded()
            let seconds = visits.values.map { Double(($0.events.last?.time ?? 0) - $0.first.time) }.reduce(0, +)
            figures[group]?.duration = (seconds / Double(visits.count)).rounded()
        }
        return figures
    }
}

extension TimeZone {
    static let utc = TimeZone(identifier: "UTC") ?? TimeZone.current
}
