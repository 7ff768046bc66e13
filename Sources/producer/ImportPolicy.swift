import AnalyticsCore
import Foundation
import HTTPServer

/// `IMPORT_TOKEN`: a sender that shows it (`Authorization: Bearer …`) may give its events a past
/// `timestamp`, which then becomes the event's time — for imports from another tool, replays, and
/// backfilling the history. Everyone else's `timestamp` stays `client_timestamp`, and the server
/// stamps the time of receipt.
///
/// A wrong or unexpected bearer token is refused (401) rather than ignored: a sender believing it imports
/// would otherwise put a year of events on today. The token is compared in constant time.
struct ImportPolicy: Sendable {
    /// What a request may do with `timestamp`.
    enum Standing: Sendable, Equatable {
        /// The server's clock is the event's time.
        case live
        /// The event's `timestamp`, when given, is its time.
        case importing
    }

    let token: [UInt8]?
    /// How far back an imported `timestamp` may go (`IMPORT_MAX_AGE_DAYS`).
    let maxAgeDays: Int
    /// How far ahead of this server's clock an imported `timestamp` may be (the sender's clock
    /// may run a little fast; the future is not imported).
    static let allowedClockSkew: TimeInterval = 300

    init(token: String?, maxAgeDays: Int) {
        self.token = token.map { Array($0.utf8) }
        self.maxAgeDays = maxAgeDays
    }

    /// The standing of `request`: importing with the right bearer token, live without any.
    func standing(of request: HTTPRequest) throws(IntakeRefusal) -> Standing {
        guard let value = request.headers["Authorization"] else { return .live }
        let parts = value.split(separator: " ", maxSplits: 1)
        // Another scheme (a proxy's Basic credentials passed along) is not ours to judge.
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return .live }
        guard let token else {
            throw Self.refusal(
                "this collector takes no imports (IMPORT_TOKEN is not set); send events without Authorization")
        }
        guard Self.same(Array(parts[1].utf8), token) else {
            throw Self.refusal("the bearer token is not this collector's IMPORT_TOKEN")
        }
        return .importing
    }

    /// The time of `event`: its `timestamp` when importing (within `IMPORT_MAX_AGE_DAYS` and not
    /// in the future), else `now`.
    func time(of event: ValidatedEvent, standing: Standing, now: Date) throws(IntakeRefusal) -> Date {
        guard standing == .importing, let text = event.clientTimestamp else { return now }
        guard let time = RFC3339.parse(text) else {
            throw IntakeRefusal(
                .badRequest, "timestamp is not an RFC 3339 time", field: "timestamp", reason: "invalid_timestamp")
        }
        guard time.timeIntervalSince(now) <= Self.allowedClockSkew else {
            throw IntakeRefusal(
                .badRequest, "an imported timestamp may not be in the future (more than 5 minutes ahead)",
                field: "timestamp", reason: "import_timestamp_in_future")
        }
        guard now.timeIntervalSince(time) <= Double(maxAgeDays) * 86_400, time.timeIntervalSince1970 >= 0 else {
            throw IntakeRefusal(
                .badRequest, "an imported timestamp may be at most \(maxAgeDays) days old (IMPORT_MAX_AGE_DAYS)",
                field: "timestamp", reason: "import_timestamp_too_old")
        }
        return time
    }

    private static func refusal(_ message: String) -> IntakeRefusal {
        IntakeRefusal(
            .unauthorized, message, headers: HTTPHeaders([("WWW-Authenticate", #"Bearer realm="import""#)]),
            reason: "import_token_refused")
    }

    /// Equality whose time depends only on the expected token's length.
    private static func same(_ offered: [UInt8], _ expected: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: offered.count ^ expected.count)
        if offered.count != expected.count { difference |= 1 }
        for index in 0..<expected.count {
            difference |= expected[index] ^ (index < offered.count ? offered[index] : 0)
        }
        return difference == 0
    }
}
