import HTTPServer
import XCTest

final class HTTPRequestParserTests: XCTestCase {
    private func parse(_ text: String, limits: HTTPRequestParser.Limits = .init()) throws(HTTPParseError)
        -> [(head: HTTPRequestHead, body: [UInt8])]
    {
        var parser = HTTPRequestParser(limits: limits)
        parser.append(Array(text.utf8))
        var requests: [(head: HTTPRequestHead, body: [UInt8])] = []
        while let request = try parser.nextRequest() { requests.append(request) }
        return requests
    }

    private func assertError(
        _ text: String, _ expected: HTTPParseError, limits: HTTPRequestParser.Limits = .init(),
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            _ = try parse(text, limits: limits)
            XCTFail("parsed, expected \(expected)", file: file, line: line)
        } catch {
            XCTAssertEqual(error, expected, file: file, line: line)
        }
    }

    func testSimpleGet() throws {
        let requests = try parse("GET /health?x=1 HTTP/1.1\r\nHost: a\r\nUser-Agent: t\r\n\r\n")
        XCTAssertEqual(requests.count, 1)
        let head = requests[0].head
        XCTAssertEqual(head.method, "GET")
        XCTAssertEqual(head.path, "/health")
        XCTAssertEqual(head.query, "x=1")
        XCTAssertEqual(head.version, .http1_1)
        XCTAssertEqual(head.headers["user-agent"], "t")
        XCTAssertTrue(head.keepAlive)
        XCTAssertEqual(requests[0].body, [])
    }

    func testContentLengthBody() throws {
        let requests = try parse("POST /event HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello")
        XCTAssertEqual(String(decoding: requests[0].body, as: UTF8.self), "hello")
    }

    func testBytesArrivingOneAtATime() throws {
        let text = "POST /event HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabcGET / HTTP/1.1\r\nHost: a\r\n\r\n"
        var parser = HTTPRequestParser()
        var requests: [HTTPRequestHead] = []
        for byte in text.utf8 {
            parser.append([byte])
            while let request = try parser.nextRequest() { requests.append(request.head) }
        }
        XCTAssertEqual(requests.map(\.method), ["POST", "GET"])
        XCTAssertFalse(parser.hasPartialRequest)
    }

    func testPipelinedRequestsComeOutInOrder() throws {
        let text = (1...3).map { "GET /\($0) HTTP/1.1\r\nHost: a\r\n\r\n" }.joined()
        XCTAssertEqual(try parse(text).map(\.head.path), ["/1", "/2", "/3"])
    }

    func testChunkedBodyWithExtensionsAndTrailers() throws {
        let text =
            "POST /event HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\nA\r\n, world!!!\r\n0\r\nX-Trailer: y\r\n\r\n"
        let requests = try parse(text)
        XCTAssertEqual(String(decoding: requests[0].body, as: UTF8.self), "hello, world!!!")
        XCTAssertFalse(requests[0].head.headers.contains("X-Trailer"))
    }

    func testBareLineFeedsAreAccepted() throws {
        let requests = try parse("GET / HTTP/1.1\nHost: a\n\n")
        XCTAssertEqual(requests.count, 1)
    }

    func testHTTP10DefaultsToClose() throws {
        XCTAssertFalse(try parse("GET / HTTP/1.0\r\n\r\n")[0].head.keepAlive)
        XCTAssertTrue(try parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")[0].head.keepAlive)
        XCTAssertFalse(try parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")[0].head.keepAlive)
    }

    func testSmugglingShapesAreRejected() {
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n",
            .contentLengthWithTransferEncoding)
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", .conflictingContentLength)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\n", .conflictingContentLength)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", .invalidContentLength)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", .invalidContentLength)
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            .unsupportedTransferEncoding("gzip, chunked"))
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n",
            .unsupportedTransferEncoding("identity"))
        // Unicode case mapping makes the Kelvin sign (U+212A, bytes E2 84 AA) a "k": a coding
        // that only spells "chunked" after Unicode lowercasing is not chunked.
        let kelvin = "chun" + String(decoding: [0xE2, 0x84, 0xAA], as: UTF8.self) + "ed"
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \(kelvin)\r\n\r\n",
            .unsupportedTransferEncoding(kelvin))
        // Optional whitespace is spaces and tabs as bytes: a combining mark after a space is not
        // trimmed with it (as a Character it was, and these parsed as chunked and as 5).
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , \u{301}chunked\r\n\r\n",
            .unsupportedTransferEncoding(", \u{301}chunked"))
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, \u{301}5\r\n\r\n", .invalidContentLength)
        assertError("GET / HTTP/1.1\r\nHost: a\r\nX-Long: a\r\n  continued\r\n\r\n", .obsoleteLineFolding)
        assertError("GET / HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n", .malformedHeader)
        assertError("GET / HTTP/1.1\r\nHost : a\r\n\r\n", .malformedHeader)
        assertError("GET / HTTP/1.1\r\nHost: a\rb\r\n\r\n", .malformedHeader)
    }

    func testBadChunksAreRejected() {
        let prefix = "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
        assertError(prefix + "zz\r\n", .invalidChunk)
        assertError(prefix + "-5\r\n", .invalidChunk)
        assertError(prefix + "3\r\nabcX\r\n", .invalidChunk)
        assertError(prefix + "123456789\r\n", .invalidChunk)
    }

    func testRequestLineAndVersion() {
        assertError("GET /\r\n\r\n", .malformedRequestLine)
        assertError("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine)
        assertError("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", .malformedRequestLine)
        assertError("GET / HTTP/2.0\r\nHost: a\r\n\r\n", .unsupportedVersion("HTTP/2.0"))
        assertError("GET / FTP/1.1\r\n\r\n", .malformedRequestLine)
        assertError("GET / HTTP/1.1\r\n\r\n", .missingHost)
        assertError("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .duplicateHost)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\n\r\n", .unsupportedExpectation("magic"))
    }

    func testLimits() {
        var limits = HTTPRequestParser.Limits()
        limits.maxHeaderBytes = 1024
        limits.maxHeaderCount = 5
        limits.maxBodyBytes = 10
        let bigHeader = "GET / HTTP/1.1\r\nHost: a\r\nX: \(String(repeating: "x", count: 1100))\r\n\r\n"
        assertError(bigHeader, .headersTooLarge(limit: 1024), limits: limits)
        // Detected before the end of the head arrives.
        assertError(
            "GET / HTTP/1.1\r\nHost: a\r\nX: \(String(repeating: "x", count: 1100))", .headersTooLarge(limit: 1024),
            limits: limits)
        let manyHeaders = "GET / HTTP/1.1\r\nHost: a\r\n" + (1...5).map { "X\($0): y\r\n" }.joined() + "\r\n"
        assertError(manyHeaders, .tooManyHeaders(limit: 5), limits: limits)
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", .bodyTooLarge(limit: 10), limits: limits)
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999999\r\n\r\n", .bodyTooLarge(limit: 10),
            limits: limits)
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\n",
            .bodyTooLarge(limit: 10),
            limits: limits)
        XCTAssertEqual(HTTPParseError.headersTooLarge(limit: 1).status.code, 431)
        XCTAssertEqual(HTTPParseError.bodyTooLarge(limit: 1).status.code, 413)
    }

    func testPostWithoutLengthNeedsOne() {
        assertError("POST /event HTTP/1.1\r\nHost: a\r\n\r\n", .lengthRequired)
        XCTAssertEqual(HTTPParseError.lengthRequired.status.code, 411)
    }

    func testPendingHeadIsVisibleBeforeTheBody() throws {
        var parser = HTTPRequestParser()
        parser.append(
            Array("POST /event HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n".utf8))
        XCTAssertNil(try parser.nextRequest())
        XCTAssertEqual(parser.pendingHead?.expectsContinue, true)
        XCTAssertTrue(parser.awaitingBody)
        parser.append(Array("abcd".utf8))
        XCTAssertEqual(try parser.nextRequest()?.body, Array("abcd".utf8))
    }

    func testAbsoluteFormTargetPath() throws {
        XCTAssertEqual(
            try parse("GET http://example.com/event?x HTTP/1.1\r\nHost: example.com\r\n\r\n")[0].head.path, "/event")
    }

    func testTargetPaths() throws {
        let paths = [
            "/event": "/event", "/event?x=1": "/event", "/a#frag": "/a", "/?q": "/", "*": "*",
            "https://example.com": "/", "https://example.com?x": "/", "http://h/p/q?x#y": "/p/q",
            "/caf\u{E9}?x": "/caf\u{E9}",
        ]
        for (target, path) in paths {
            XCTAssertEqual(try parse("GET \(target) HTTP/1.1\r\nHost: a\r\n\r\n")[0].head.path, path, target)
        }
    }

    func testFramingHeadersMatchInAnyCase() throws {
        let requests = try parse("POST / HTTP/1.1\r\nhost: a\r\ncontent-LENGTH: 003\r\n\r\nabc")
        XCTAssertEqual(requests[0].body, Array("abc".utf8))
        assertError("GET / HTTP/1.1\r\nHost: a\r\nHOST: b\r\n\r\n", .duplicateHost)
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\ncontent-length: 3\r\nTRANSFER-ENCODING: chunked\r\n\r\n",
            .contentLengthWithTransferEncoding)
        assertError(
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\ncontent-length: 4\r\n\r\n", .conflictingContentLength)
        assertError("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \r\n\r\n", .invalidContentLength)
        XCTAssertEqual(try parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nab")[0].body.count, 2)
        XCTAssertEqual(
            try parse("POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-CONTINUE\r\nContent-Length: 0\r\n\r\n").count, 1)
    }
}
