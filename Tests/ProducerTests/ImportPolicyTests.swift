import AnalyticsCore
import Foundation
import HTTPServer
import XCTest

@testable import producer

/// `IMPORT_TOKEN`: who may give an event a past time, and which times are taken.
final class ImportPolicyTests: XCTestCase {
    private let policy = ImportPolicy(token: "import-token-0123456789abcdef", maxAgeDays: 30)
    private let now = Date(timeIntervalSince1970: 1_800_000_000)

    private func request(authorization: String?) -> HTTPRequest {
        let headers = authorization.map { [("Authorization", $0)] } ?? []
        return HTTPRequest(
            head: HTTPRequestHead(method: "POST", target: "/events", version: .http1_1, headers: HTTPHeaders(headers)),
            body: [])
    }

    private func event(timestamp: String?) -> ValidatedEvent {
        var event = ValidatedEvent(type: "page_view")
        event.clientTimestamp = timestamp
        return event
    }

    private func refusal(_ body: () throws(IntakeRefusal) -> Void) -> IntakeRefusal? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }

    func testWithoutAuthorizationTheRequestIsLive() throws {
        XCTAssertEqual(try policy.standing(of: request(authorization: nil)), .live)
    }

    func testTheRightBearerTokenImportsInAnyCaseOfTheScheme() throws {
        XCTAssertEqual(
            try policy.standing(of: request(authorization: "Bearer import-token-0123456789abcdef")), .importing)
        XCTAssertEqual(
            try policy.standing(of: request(authorization: "bearer import-token-0123456789abcdef")), .importing)
    }

    func testAnotherSchemeSuchAsAProxysBasicCredentialsIsLeftAlone() throws {
        for value in ["Basic aW1wb3J0", "Bearer", "import-token-0123456789abcdef", "Bearer "] {
            XCTAssertEqual(try policy.standing(of: request(authorization: value)), .live, value)
        }
    }

    func testAWrongBearerTokenOrAPrefixOfItIsRefusedWith401AndAChallenge() {
        for value in [
            "Bearer wrong", "Bearer import-token-0123456789abcde", "Bearer import-token-0123456789abcdefX",
            "Bearer  import-token-0123456789abcdef",
        ] {
            let refused = refusal { () throws(IntakeRefusal) in
                _ = try policy.standing(of: request(authorization: value))
            }
            XCTAssertEqual(refused?.status, .unauthorized, value)
            XCTAssertEqual(refused?.reason, "import_token_refused", value)
            XCTAssertEqual(refused?.headers["WWW-Authenticate"], #"Bearer realm="import""#, value)
        }
    }

    func testATokenSentToACollectorWithoutImportsIsRefusedAndSaysWhy() {
        let closed = ImportPolicy(token: nil, maxAgeDays: 30)
        let refused = refusal { () throws(IntakeRefusal) in
            _ = try closed.standing(of: request(authorization: "Bearer anything"))
        }
        XCTAssertEqual(refused?.status, .unauthorized)
        XCTAssertTrue(refused?.message.contains("IMPORT_TOKEN is not set") == true, refused?.message ?? "")
    }

    func testALiveEventKeepsTheServersTimeWhateverItsTimestampSays() throws {
        let time = try policy.time(of: event(timestamp: "2020-01-01T00:00:00Z"), standing: .live, now: now)
        XCTAssertEqual(time, now)
    }

    func testAnImportedEventTakesItsTimestampAndOneWithoutTakesNow() throws {
        let past = now.addingTimeInterval(-29 * 86_400)
        let time = try policy.time(
            of: event(timestamp: RFC3339.formatWithMilliseconds(past)), standing: .importing, now: now)
        XCTAssertEqual(time.timeIntervalSince1970, past.timeIntervalSince1970, accuracy: 0.001)
        XCTAssertEqual(try policy.time(of: event(timestamp: nil), standing: .importing, now: now), now)
        // A clock a little fast is forgiven.
        let ahead = now.addingTimeInterval(120)
        XCTAssertEqual(
            try policy.time(of: event(timestamp: RFC3339.formatWithMilliseconds(ahead)), standing: .importing, now: now)
                .timeIntervalSince1970, ahead.timeIntervalSince1970, accuracy: 0.001)
    }

    func testAnImportedTimestampTooOldInTheFutureOrMalformedIsA400OnTheField() {
        let cases: [(String, String)] = [
            (RFC3339.formatWithMilliseconds(now.addingTimeInterval(-31 * 86_400)), "import_timestamp_too_old"),
            (RFC3339.formatWithMilliseconds(now.addingTimeInterval(600)), "import_timestamp_in_future"),
            ("yesterday", "invalid_timestamp"),
            ("1969-12-31T23:59:59Z", "import_timestamp_too_old"),
        ]
        for (timestamp, reason) in cases {
            let refused = refusal { () throws(IntakeRefusal) in
                _ = try policy.time(of: event(timestamp: timestamp), standing: .importing, now: now)
            }
            XCTAssertEqual(refused?.status, .badRequest, timestamp)
            XCTAssertEqual(refused?.field, "timestamp", timestamp)
            XCTAssertEqual(refused?.reason, reason, timestamp)
        }
    }
}
