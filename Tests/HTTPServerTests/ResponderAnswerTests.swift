import Foundation
import HTTPServer
import TestSupport
import XCTest

/// Each answer belongs to its request: a second or late answer never reaches the next pipelined
/// request, and a responder that never answers gets the client a 503 at the response deadline.
final class ResponderAnswerTests: ServerTestCase {
    override func setUpWithError() throws {
        var configuration = loopbackConfiguration()
        configuration.eventLoopCount = 1
        configuration.responseTimeout = .seconds(1)
        var router = Router()
        router.on("GET", "/twice") { _, respond in
            respond(.json(.ok, fields: [("answer", "first")]))
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) {
                respond(.json(.ok, fields: [("answer", "second")]))
            }
        }
        router.on("GET", "/hello") { _, respond in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.6) {
                respond(.json(.ok, fields: [("answer", "hello")]))
            }
        }
        router.on("GET", "/never") { _, _ in }
        try startServer(configuration, router)
    }

    func testASecondAnswerDoesNotReachTheNextPipelinedRequest() throws {
        let connection = try client()
        try connection.send("GET /twice HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().json["answer"] as? String, "first")
        XCTAssertEqual(try connection.readResponse().json["answer"] as? String, "hello")
    }

    func testARequestNobodyAnswersGets503AtTheDeadline() throws {
        let connection = try client()
        let sent = Date()
        let response = try connection.request("GET", "/never")
        XCTAssertEqual(response.status, 503)
        XCTAssertLessThan(Date().timeIntervalSince(sent), 3)
        XCTAssertTrue((response.json["error"] as? String ?? "").contains("did not answer"), response.description)
        XCTAssertTrue(connection.isClosedByServer())
    }
}
