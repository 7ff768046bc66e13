import Foundation
import HTTPServer
import Logging
import TestSupport
import XCTest

/// The server as a client sees it, over real sockets, byte for byte.
final class HTTPServerBehaviourTests: ServerTestCase {

    override func setUpWithError() throws {
        var configuration = loopbackConfiguration()
        configuration.eventLoopCount = 2
        configuration.headerTimeout = .seconds(1)
        configuration.bodyTimeout = .seconds(1)
        configuration.idleTimeout = .seconds(1)
        configuration.limits.maxBodyBytes = 1024
        configuration.serverName = "test-server"
        var router = Router(cors: CORSPolicy(allowedOrigins: ["https://shop.example"]))
        router.on("GET", "/hello") { _, respond in respond(.json(.ok, fields: [("hello", "world")])) }
        router.on("GET", "/injected") { _, respond in
            // A handler that puts a client's text in a header without cleaning it.
            respond(.json(.ok, fields: [], headers: HTTPHeaders([("X-Echo", "a\r\nSet-Cookie: x=1\r\n\r\nbody\u{0}")])))
        }
        router.on("POST", "/echo") { request, respond in
            respond(
                HTTPResponse(status: .ok, headers: HTTPHeaders([("Content-Type", "text/plain")]), body: request.body))
        }
        router.on("GET", "/slow") { _, respond in
            // Completes from another thread, later, as Kafka delivery reports do.
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
                respond(.json(.ok, fields: [("slow", "done")]))
            }
        }
        router.screen("/echo") { head in
            head.headers["Content-Type"] == "application/xml" ? .error(.unsupportedMediaType, "no xml") : nil
        }
        try startServer(configuration, router)
    }

    func testKeepAliveServesManyRequestsOnOneConnection() throws {
        let connection = try client()
        for index in 0..<20 {
            let response = try connection.request("POST", "/echo", body: "{\"n\":\(index)}")
            XCTAssertEqual(response.status, 200)
            XCTAssertEqual(response.text, "{\"n\":\(index)}")
            XCTAssertNil(response.header("Connection"))
        }
    }

    func testEveryResponseHasDateServerAndContentLength() throws {
        let response = try client().request("GET", "/hello")
        XCTAssertEqual(response.header("Server"), "test-server")
        XCTAssertNotNil(
            response.header("Date")?.range(
                of: #"^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$"#, options: .regularExpression))
        XCTAssertEqual(response.header("Content-Length"), String(response.body.count))
        XCTAssertEqual(response.json["hello"] as? String, "world")
    }

    func testAHeaderValueCannotEndItsFieldOrTheHead() throws {
        let connection = try client()
        let response = try connection.request("GET", "/injected")
        XCTAssertEqual(response.header("X-Echo"), "a  Set-Cookie: x=1    body")
        XCTAssertNil(response.header("Set-Cookie"))
        XCTAssertEqual(response.text, "{}")
        XCTAssertEqual(try connection.request("GET", "/hello").status, 200, "the connection is still in step")
    }

    func testPipelinedRequestsAreAnsweredInOrder() throws {
        let connection = try client()
        try connection.send(
            "GET /slow HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nthird")
        XCTAssertEqual(try connection.readResponse().json["slow"] as? String, "done")
        XCTAssertEqual(try connection.readResponse().json["hello"] as? String, "world")
        XCTAssertEqual(try connection.readResponse().text, "third")
    }

    func testConnectionCloseIsHonoured() throws {
        let connection = try client()
        let response = try connection.request("GET", "/hello", headers: ["Connection": "close"])
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(connection.isClosedByServer())
    }

    func testHTTP10IsClosedUnlessItAsksForKeepAlive() throws {
        let plain = try client()
        try plain.send("GET /hello HTTP/1.0\r\n\r\n")
        XCTAssertEqual(try plain.readResponse().status, 200)
        XCTAssertTrue(plain.isClosedByServer())

        let keepAlive = try client()
        try keepAlive.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        let first = try keepAlive.readResponse()
        XCTAssertEqual(first.header("Connection"), "keep-alive")
        try keepAlive.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        XCTAssertEqual(try keepAlive.readResponse().status, 200)
    }

    func testMalformedRequestsGet400JSONAndTheConnectionIsClosed() throws {
        let cases = [
            "NONSENSE\r\n\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\nabc",
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n",
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
            "GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n folded\r\n\r\n",
        ]
        for text in cases {
            let connection = try client()
            try connection.send(text)
            let response = try connection.readResponse()
            XCTAssertEqual(response.status, 400, text)
            XCTAssertNotNil(response.json["error"] as? String, text)
            XCTAssertEqual(response.header("Content-Type"), "application/json")
            XCTAssertTrue(connection.isClosedByServer(), text)
        }
    }

    func testStatusCodesForLimitsAndLength() throws {
        let noLength = try client()
        try noLength.send("POST /echo HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try noLength.readResponse().status, 411)

        let tooLarge = try client()
        try tooLarge.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5000\r\n\r\n")
        let large = try tooLarge.readResponse()
        XCTAssertEqual(large.status, 413)
        XCTAssertEqual(large.json["error"] as? String, "request body exceeds 1024 bytes")

        let hugeHeaders = try client()
        try hugeHeaders.send("GET /hello HTTP/1.1\r\nHost: a\r\nX: \(String(repeating: "y", count: 17_000))\r\n\r\n")
        XCTAssertEqual(try hugeHeaders.readResponse().status, 431)

        let version = try client()
        try version.send("GET /hello HTTP/3.0\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try version.readResponse().status, 505)
    }

    func testUnknownPathIs404AndWrongMethodIs405WithAllow() throws {
        let connection = try client()
        let missing = try connection.request("GET", "/nope")
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.json["error"] as? String, "no such endpoint: /nope")
        let wrong = try connection.request("DELETE", "/hello")
        XCTAssertEqual(wrong.status, 405)
        XCTAssertEqual(wrong.header("Allow"), "GET, HEAD, OPTIONS")
    }

    func testHeadAnswersLikeGetWithoutBody() throws {
        let connection = try client()
        let get = try connection.request("GET", "/hello")
        let head = try connection.request("HEAD", "/hello")
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.body, [])
        XCTAssertEqual(head.header("Content-Length"), String(get.body.count))
        // The connection is still in sync afterwards.
        XCTAssertEqual(try connection.request("GET", "/hello").status, 200)
    }

    func testChunkedBodyIsDecoded() throws {
        let connection = try client()
        try connection.send(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().text, "abcde")
    }

    func testExpectContinueGets100BeforeTheBodyOrAnEarlyRefusal() throws {
        let connection = try client()
        try connection.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        XCTAssertEqual(try connection.readResponse().status, 100)
        try connection.send("ok")
        XCTAssertEqual(try connection.readResponse().text, "ok")

        let refused = try client()
        try refused.send(
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Type: application/xml\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
        )
        XCTAssertEqual(try refused.readResponse().status, 415)
        XCTAssertTrue(refused.isClosedByServer())
    }

    /// RFC 9110 §10.1.1: a 100-continue expectation in an HTTP/1.0 request is ignored; the first
    /// thing the client reads is the answer to its request.
    func testExpectContinueFromAnHTTP10ClientIsIgnored() throws {
        let connection = try client()
        try connection.send("POST /echo HTTP/1.0\r\nHost: a\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.2)
        try connection.send("ok")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.text, "ok")
    }

    func testSlowHeadersAreAnswered408AndClosed() throws {
        let connection = try client()
        try connection.send("GET /hello HTTP/1.1\r\nHost: a\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 408)
        XCTAssertTrue(connection.isClosedByServer())
    }

    func testSlowBodyIsAnswered408() throws {
        let connection = try client()
        try connection.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        XCTAssertEqual(try connection.readResponse().status, 408)
    }

    func testIdleKeepAliveConnectionsAreClosed() throws {
        let connection = try client()
        XCTAssertEqual(try connection.request("GET", "/hello").status, 200)
        XCTAssertTrue(connection.isClosedByServer())
    }

    func testCORSPreflightAndSimpleRequests() throws {
        let connection = try client()
        try connection.send(
            "OPTIONS /echo HTTP/1.1\r\nHost: a\r\nOrigin: https://shop.example\r\nAccess-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: content-type\r\n\r\n"
        )
        let preflight = try connection.readResponse()
        XCTAssertEqual(preflight.status, 204)
        XCTAssertEqual(preflight.header("Access-Control-Allow-Origin"), "https://shop.example")
        XCTAssertEqual(preflight.header("Access-Control-Allow-Methods"), "OPTIONS, POST")
        XCTAssertEqual(preflight.header("Access-Control-Allow-Headers"), "content-type")
        XCTAssertEqual(preflight.header("Access-Control-Max-Age"), "86400")
        XCTAssertNil(preflight.header("Content-Length"))
        let simple = try connection.request("POST", "/echo", body: "x", headers: ["Origin": "https://shop.example"])
        XCTAssertEqual(simple.header("Access-Control-Allow-Origin"), "https://shop.example")
        let stranger = try connection.request("POST", "/echo", body: "x", headers: ["Origin": "https://evil.example"])
        XCTAssertNil(stranger.header("Access-Control-Allow-Origin"))
    }

    func testManyConnectionsAtOnce() throws {
        let clients = try (0..<300).map { _ in try client() }
        for (index, connection) in clients.enumerated() {
            try connection.send(
                "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: \(String(index).count)\r\n\r\n\(index)")
        }
        for (index, connection) in clients.enumerated() {
            XCTAssertEqual(try connection.readResponse().text, String(index))
        }
    }

    func testShutdownLetsRequestsInFlightFinish() throws {
        let connection = try client()
        try connection.send("GET /slow HTTP/1.1\r\nHost: a\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.05)
        let stopping = Thread { [server] in server?.shutdown(timeout: .seconds(5)) }
        stopping.start()
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Connection"), "close")
        XCTAssertTrue(connection.isClosedByServer())
        Thread.sleep(forTimeInterval: 0.2)
        XCTAssertThrowsError(try RawHTTPClient(port: server.port, timeout: 1))
    }

    func testExpectContinueWithATooLargeBodyGets413WithoutReadingIt() throws {
        let connection = try client()
        try connection.send("POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 999999\r\nExpect: 100-continue\r\n\r\n")
        let response = try connection.readResponse()
        XCTAssertEqual(response.status, 413)
        XCTAssertTrue(connection.isClosedByServer())
    }

    func testConnectionsBeyondTheCapWaitInTheBacklogUntilOneCloses() throws {
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.eventLoopCount = 1
        configuration.maxConnections = 2
        var router = Router()
        router.on("GET", "/hello") { _, respond in respond(.json(.ok, fields: [("hello", "world")])) }
        let capped = try HTTPServer(configuration: configuration, responder: router, logger: Logger(label: "test"))
        defer { capped.shutdown(timeout: .seconds(1)) }

        let first = try RawHTTPClient(port: capped.port, timeout: 5)
        let second = try RawHTTPClient(port: capped.port, timeout: 5)
        XCTAssertEqual(try first.request("GET", "/hello").status, 200)
        XCTAssertEqual(try second.request("GET", "/hello").status, 200)
        XCTAssertEqual(capped.openConnections, 2)

        // The kernel completes the handshake (backlog), but the server does not accept it yet.
        let third = try RawHTTPClient(port: capped.port, timeout: 0.7)
        try third.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertThrowsError(try third.readResponse(), "served beyond the connection cap")
        XCTAssertEqual(capped.openConnections, 2)

        // When one closes, the waiting connection is accepted and answered.
        try first.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        XCTAssertEqual(try first.readResponse().status, 200)
        third.setTimeout(5)
        XCTAssertEqual(try third.readResponse().status, 200)
    }
}
