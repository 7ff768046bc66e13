import Dispatch
import Foundation
import HTTPServer
import TestSupport
import XCTest

/// Request bodies held in memory across all connections have a ceiling (`maxBufferedBodyBytes`):
/// past it a request is answered 503 with `Retry-After`, and what a request held is given back
/// when it is answered or its connection closes.
final class BodyBudgetTests: ServerTestCase {
    /// Bodies of the requests `/hold` has not answered yet: released by the test.
    private let held = DispatchSemaphore(value: 0)

    override func setUpWithError() throws {
        var configuration = loopbackConfiguration()
        configuration.limits.maxBodyBytes = 100_000
        configuration.maxBufferedBodyBytes = 150_000
        var router = Router()
        router.on("POST", "/echo") { request, respond in
            respond(.json(.ok, fields: [("bytes", "\(request.body.count)")]))
        }
        router.on("POST", "/hold") { [held] request, respond in
            DispatchQueue.global().async {
                held.wait()
                respond(.json(.ok, fields: [("bytes", "\(request.body.count)")]))
            }
        }
        try startServer(configuration, router)
    }

    /// Waits (10 s at most) until the held bytes come to `bytes`: requests are answered and
    /// connections closed on the server's loops, a moment after the client sees it.
    private func waitForHeldBytes(_ predicate: (Int) -> Bool) {
        let deadline = ContinuousClock.now + .seconds(10)
        while !predicate(server.bufferedBodyBytes) && ContinuousClock.now < deadline {
            Thread.sleep(forTimeInterval: 0.01)
        }
    }

    /// A request head announcing `bodyBytes`, without its body: a refusal comes before the body
    /// is sent, so the client reads it before the server closes the connection.
    private func head(_ path: String, bodyBytes: Int) -> String {
        "POST \(path) HTTP/1.1\r\nHost: a\r\nContent-Length: \(bodyBytes)\r\n\r\n"
    }

    private func assertRefused(_ response: RawHTTPResponse, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(response.status, 503, response.description, file: file, line: line)
        XCTAssertEqual(response.header("Retry-After"), "1", file: file, line: line)
        XCTAssertEqual(response.header("Content-Type"), "application/json", file: file, line: line)
        XCTAssertNotNil(response.json["error"] as? String, response.description, file: file, line: line)
    }

    func testPastTheBudgetARequestIsAnswered503WithRetryAfterThenTheBudgetIsWholeAgain() throws {
        // 90,000 bytes held by a request not answered yet...
        let holding = try client()
        try holding.send(head("/hold", bodyBytes: 90_000) + String(repeating: "x", count: 90_000))
        waitForHeldBytes { $0 >= 90_000 }

        // ...leave room for 60,000 more: a body announced larger is refused before it is sent.
        let refused = try client()
        try refused.send(head("/echo", bodyBytes: 70_000))
        assertRefused(try refused.readResponse())
        // A chunked body, whose size is not announced, is refused once it outgrows the room.
        let chunked = try client()
        try chunked.send("POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        try chunked.send("ea60\r\n" + String(repeating: "z", count: 60_000) + "\r\n")
        try chunked.send("2710\r\n" + String(repeating: "z", count: 10_000) + "\r\n")
        assertRefused(try chunked.readResponse())

        let fits = try client().request("POST", "/echo", body: String(repeating: "w", count: 50_000))
        XCTAssertEqual(fits.status, 200, fits.description)

        held.signal()
        XCTAssertEqual(try holding.readResponse().json["bytes"] as? String, "90000")
        waitForHeldBytes { $0 == 0 }
        XCTAssertEqual(server.bufferedBodyBytes, 0)

        let whole = try client().request("POST", "/echo", body: String(repeating: "v", count: 100_000))
        XCTAssertEqual(whole.status, 200, "the budget is whole again: \(whole.description)")
    }

    func testConnectionsClosedOrRefusedMidBodyGiveBackWhatTheyHeld() throws {
        for _ in 0..<50 {
            // Half a body, held while the connection is open...
            let abandoned = try client()
            try abandoned.send(head("/echo", bodyBytes: 100_000) + String(repeating: "x", count: 40_000))
            waitForHeldBytes { $0 >= 100_000 }
            // ...so another body that size does not fit...
            let refused = try client()
            try refused.send(head("/echo", bodyBytes: 100_000))
            assertRefused(try refused.readResponse())
            // ...until the first client goes away without finishing.
            shutdown(abandoned.fd, Int32(SHUT_RDWR))
            waitForHeldBytes { $0 == 0 }
            guard server.bufferedBodyBytes == 0 else { break }
        }
        XCTAssertEqual(server.bufferedBodyBytes, 0)
        let whole = try client().request("POST", "/echo", body: String(repeating: "v", count: 100_000))
        XCTAssertEqual(whole.status, 200, whole.description)
    }
}
