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

    /// Sends `raw` on a new connection and checks the server's own answer: its status, the
    /// router's common header, CORS when the request named an origin, and what was counted.
    private func assertServerAnswer(
        to raw: String, status: Int, corsOrigin: String?, counted: [String], file: StaticString = #filePath,
        line: UInt = #line
    ) throws {
        let connection = try client()
        try connection.send(raw)
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, status, file: file, line: line)
        XCTAssertEqual(response.header("Access-Control-Allow-Origin"), corsOrigin, file: file, line: line)
        XCTAssertEqual(response.header("X-Content-Type-Options"), "nosniff", file: file, line: line)
        XCTAssertEqual(answers.all, counted, file: file, line: line)
    }

    func testABodyTooLargeIsAnswered413WithCORSAndCounted() throws {
        try assertServerAnswer(
            to: "POST /echo HTTP/1.1\r\nHost: a\r\nOrigin: https://shop.example\r\nContent-Length: 5000\r\n\r\n",
            status: 413, corsOrigin: "https://shop.example", counted: ["/echo POST 413"])
    }

    func testAnUnparsableRequestIsCountedUnderInvalid() throws {
        try assertServerAnswer(
            to: "NOT A REQUEST\r\n\r\n", status: 400, corsOrigin: nil, counted: ["invalid unknown 400"])
    }

    func testASlowBodyTimesOutWithCORS() throws {
        try assertServerAnswer(
            to: "POST /echo HTTP/1.1\r\nHost: a\r\nOrigin: https://shop.example\r\nContent-Length: 10\r\n\r\nabc",
            status: 408, corsOrigin: "https://shop.example", counted: ["/echo POST 408"])
    }
}

/// The router observer's calls, from the event-loop threads.
private final class AnswerLog: Sendable {
    private let entries = Mutex<[String]>([])

    func add(_ entry: String) { entries.withLock { $0.append(entry) } }

    var all: [String] { entries.withLock { $0 } }
}
