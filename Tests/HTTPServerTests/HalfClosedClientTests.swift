import Foundation
import HTTPServer
import TestSupport
import XCTest

/// A client that shuts its sending side after its requests (`printf … | nc`, some load balancers'
/// health checks) gets every answer, and then the connection's end at once, not after the idle
/// timeout.
final class HalfClosedClientTests: ServerTestCase {
    override func setUpWithError() throws {
        var configuration = loopbackConfiguration()
        configuration.idleTimeout = .seconds(60)
        var router = Router()
        router.on("GET", "/hello") { _, respond in respond(.json(.ok, fields: [("hello", "world")])) }
        router.on("GET", "/slow") { _, respond in
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) {
                respond(.json(.ok, fields: [("slow", "done")]))
            }
        }
        try startServer(configuration, router)
    }

    private func sendThenShutDown(_ text: String) throws -> RawHTTPClient {
        let connection = try client()
        try connection.send(text)
        XCTAssertEqual(shutdown(connection.fd, Int32(SHUT_WR)), 0)
        return connection
    }

    func testPipelinedRequestsBeforeTheClientsEndAreAllAnsweredThenClosed() throws {
        let connection = try sendThenShutDown(
            "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().json["slow"] as? String, "done")
        XCTAssertEqual(try connection.readResponse().json["hello"] as? String, "world")
        XCTAssertTrue(connection.isClosedByServer(), "still open after the client's end was answered")
    }

    func testARequestCutShortByTheClientsEndIsClosedWithoutAnAnswer() throws {
        let connection = try sendThenShutDown("GET /hello HTTP/1.1\r\nHost: a\r\n")
        XCTAssertEqual(try connection.readUntilClosed(), [])
    }
}
