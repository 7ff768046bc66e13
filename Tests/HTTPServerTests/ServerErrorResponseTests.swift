import Foundation
import HTTPServer
import Synchronization
import TestSupport
import XCTest

/// The answers the server gives by itself (a body too large, a bad framing, a timeout) carry the
/// router's CORS and common headers and are counted like routed ones, so a browser sees the real
/// status and `/metrics` sees every answer.
final class ServerErrorResponseTests: ServerTestCase {
    private let answers = AnswerLog()

    override func setUpWithError() throws {
        var configuration = loopbackConfiguration()
        configuration.limits.maxBodyBytes = 1024
        configuration.headerTimeout = .seconds(1)
        configuration.bodyTimeout = .seconds(1)
        var router = Router(cors: CORSPolicy(allowedOrigins: ["https://shop.example"]))
        router.headers = HTTPHeaders([("X-Content-Type-Options", "nosniff")])
        router.on("POST", "/echo") { request, respond in respond(HTTPResponse(status: .ok, body: request.body)) }
        router.observer = { [answers] route, method, status in
            answers.add("\(route) \(method) \(status)")
        }
        try startServer(configuration, router)
    }

    func testABodyTooLargeIsAnswered413WithCORSAndCounted() throws {
        let connection = try client()
        try connection.send(
            "POST /echo HTTP/1.1\r\nHost: a\r\nOrigin: https://shop.example\r\nContent-Length: 5000\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertEqual(response.header("Access-Control-Allow-Origin"), "https://shop.example")
        XCTAssertEqual(response.header("X-Content-Type-Options"), "nosniff")
        XCTAssertEqual(answers.all, ["/echo POST 413"])
    }

    func testAnUnparsableRequestIsCountedUnderInvalid() throws {
        let connection = try client()
        try connection.send("NOT A REQUEST\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 400)
        XCTAssertEqual(response.header("X-Content-Type-Options"), "nosniff")
        XCTAssertEqual(answers.all, ["invalid unknown 400"])
    }

    func testASlowBodyTimesOutWithCORS() throws {
        let connection = try client()
        try connection.send(
            "POST /echo HTTP/1.1\r\nHost: a\r\nOrigin: https://shop.example\r\nContent-Length: 10\r\n\r\nabc")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertEqual(response.header("Access-Control-Allow-Origin"), "https://shop.example")
        XCTAssertEqual(answers.all, ["/echo POST 408"])
    }
}

/// The router observer's calls, from the event-loop threads.
private final class AnswerLog: Sendable {
    private let entries = Mutex<[String]>([])

    func add(_ entry: String) { entries.withLock { $0.append(entry) } }

    var all: [String] { entries.withLock { $0 } }
}
