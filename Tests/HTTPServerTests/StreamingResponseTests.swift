import Foundation
import HTTPServer
import Synchronization
import TestSupport
import XCTest

/// Streamed responses (the dashboard's Server-Sent Events) as a client sees them, byte for byte:
/// chunks written over time on a kept connection, the limits on slow readers, and shutdown.
final class StreamingResponseTests: ServerTestCase {
    private let probe = StreamProbe()

    override func setUpWithError() throws {
        var configuration = loopbackConfiguration()
        configuration.eventLoopCount = 1
        configuration.idleTimeout = .seconds(1)
        configuration.writeTimeout = .seconds(30)
        configuration.streamBacklogLimit = 256 * 1024
        let probe = self.probe
        var router = Router()
        router.on("GET", "/hello") { _, respond in respond(.json(.ok, fields: [("hello", "world")])) }
        router.on("GET", "/ticks") { _, respond in
            respond(.stream(headers: HTTPHeaders([("Content-Type", "text/event-stream")])) { probe.record($0) })
        }
        router.on("GET", "/late") { _, respond in
            // Answers after the test's client has already hung up.
            DispatchQueue.global().asyncAfter(deadline: .now() + 0.3) {
                respond(.stream(headers: HTTPHeaders()) { probe.record($0) })
            }
        }
        router.on("GET", "/flood") { _, respond in
            respond(
                .stream(headers: HTTPHeaders()) { stream in
                    probe.record(stream)
                    // Writes as fast as it can for as long as the stream is open.
                    Thread.detachNewThread {
                        let piece = [UInt8](repeating: 0x61, count: 16 * 1024)
                        while stream.isOpen && probe.written.load(ordering: .relaxed) < 1 << 30 {
                            stream.write(piece)
                            probe.written.add(piece.count, ordering: .relaxed)
                            usleep(200)
                        }
                    }
                })
        }
        try startServer(configuration, router)
    }

    func testStreamedBodyArrivesChunkByChunkAndTheConnectionIsKeptAfterIt() throws {
        let connection = try client()
        try connection.send("GET /ticks HTTP/1.1\r\nHost: a\r\n\r\n")
        let head = try connection.readHead()
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.header("Transfer-Encoding"), "chunked")
        XCTAssertNil(head.header("Content-Length"))
        XCTAssertEqual(head.header("Content-Type"), "text/event-stream")
        let stream = try XCTUnwrap(probe.waitForOpen())
        XCTAssertTrue(stream.isOpen)
        for text in ["data: one\n\n", "data: two\n\n"] {
            stream.write(Array(text.utf8))
            XCTAssertEqual(String(decoding: try connection.readChunk(), as: UTF8.self), text)
        }
        stream.finish()
        XCTAssertEqual(try connection.readChunk(), [])
        XCTAssertTrue(probe.waitForClose())
        XCTAssertFalse(stream.isOpen)
        // The same connection serves the next request.
        XCTAssertEqual(try connection.request("GET", "/hello").json["hello"] as? String, "world")
    }

    func testRequestPipelinedBehindAStreamIsAnsweredWhenTheStreamEnds() throws {
        let connection = try client()
        try connection.send("GET /ticks HTTP/1.1\r\nHost: a\r\n\r\nGET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
        XCTAssertEqual(try connection.readHead().status, 200)
        let stream = try XCTUnwrap(probe.waitForOpen())
        stream.write(Array("x".utf8))
        XCTAssertEqual(try connection.readChunk(), Array("x".utf8))
        stream.finish()
        XCTAssertEqual(try connection.readChunk(), [])
        XCTAssertEqual(try connection.readResponse().json["hello"] as? String, "world")
    }

    func testHTTP10StreamIsNotChunkedAndEndsWithTheConnection() throws {
        let connection = try client()
        try connection.send("GET /ticks HTTP/1.0\r\nHost: a\r\n\r\n")
        let head = try connection.readHead()
        XCTAssertEqual(head.status, 200)
        XCTAssertNil(head.header("Transfer-Encoding"))
        XCTAssertNil(head.header("Content-Length"))
        XCTAssertEqual(head.header("Connection"), "close")
        let stream = try XCTUnwrap(probe.waitForOpen())
        stream.write(Array("abc".utf8))
        stream.write(Array("def".utf8))
        stream.finish()
        XCTAssertEqual(String(decoding: try connection.readUntilClosed(), as: UTF8.self), "abcdef")
    }

    func testHeadOfAStreamedRouteSendsTheHeadAndAClosedStream() throws {
        let connection = try client()
        let response = try connection.request("HEAD", "/ticks")
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.header("Transfer-Encoding"), "chunked")
        let stream = try XCTUnwrap(probe.waitForOpen())
        XCTAssertFalse(stream.isOpen)
        XCTAssertTrue(probe.waitForClose(), "onClose runs at once for a stream that never opened")
        XCTAssertEqual(try connection.request("GET", "/hello").status, 200)
    }

    func testStreamAnsweredAfterItsClientLeftOpensClosed() throws {
        let connection = try client()
        try connection.send("GET /late HTTP/1.1\r\nHost: a\r\n\r\n")
        Thread.sleep(forTimeInterval: 0.05)
        shutdown(connection.fd, Int32(SHUT_RDWR))
        let stream = try XCTUnwrap(probe.waitForOpen())
        XCTAssertFalse(stream.isOpen)
        XCTAssertTrue(probe.waitForClose())
    }

    func testClientThatHangsUpEndsTheStream() throws {
        var connection: RawHTTPClient? = try client()
        try connection?.send("GET /ticks HTTP/1.1\r\nHost: a\r\n\r\n")
        _ = try connection?.readHead()
        let stream = try XCTUnwrap(probe.waitForOpen())
        connection = nil  // closes the socket
        XCTAssertTrue(probe.waitForClose())
        XCTAssertFalse(stream.isOpen)
        XCTAssertTrue(Wait.until(timeout: 5) { server.openConnections == 0 })
    }

    func testReaderThatStopsReadingIsDroppedInsteadOfBuffered() throws {
        let connection = try client()
        connection.setReceiveBuffer(4096)
        try connection.send("GET /flood HTTP/1.1\r\nHost: a\r\n\r\n")
        // The client reads nothing more: the kernel buffers fill, then the server's backlog limit.
        XCTAssertNotNil(probe.waitForOpen())
        XCTAssertTrue(probe.waitForClose(timeout: 20), "the stream of a reader that stopped was not dropped")
        XCTAssertTrue(Wait.until(timeout: 5) { server.openConnections == 0 })
        // What was written beyond the kernel buffers and the backlog limit never piled up anywhere:
        // the writer stopped once the stream closed.
        let written = probe.written.load(ordering: .relaxed)
        XCTAssertLessThan(written, 1 << 30, "the writer never saw the stream close")
    }

    func testShutdownEndsOpenStreamsAndClosesTheirConnections() throws {
        let connection = try client()
        try connection.send("GET /ticks HTTP/1.1\r\nHost: a\r\n\r\n")
        _ = try connection.readHead()
        XCTAssertNotNil(probe.waitForOpen())
        let started = ContinuousClock.now
        let done = DispatchSemaphore(value: 0)
        let server = self.server!
        Thread.detachNewThread {
            server.shutdown(timeout: .seconds(10))
            done.signal()
        }
        XCTAssertEqual(try connection.readChunk(), [], "the stream ends with the last chunk")
        XCTAssertEqual(try connection.readUntilClosed(), [])
        XCTAssertTrue(probe.waitForClose())
        XCTAssertEqual(done.wait(timeout: .now() + 10), .success)
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(9), "shutdown waited for its timeout")
    }

    func testWritesAfterTheEndNeverReachTheNextResponse() throws {
        let connection = try client()
        try connection.send("GET /ticks HTTP/1.1\r\nHost: a\r\n\r\n")
        _ = try connection.readHead()
        let stream = try XCTUnwrap(probe.waitForOpen())
        stream.finish()
        stream.write(Array("late".utf8))
        XCTAssertEqual(try connection.readChunk(), [])
        XCTAssertTrue(probe.waitForClose())
        stream.write(Array("later".utf8))
        let response = try connection.request("GET", "/hello")
        XCTAssertEqual(response.text, #"{"hello":"world"}"#)
        connection.setTimeout(0.3)
        XCTAssertThrowsError(try connection.readChunk(), "nothing else arrives on the connection")
    }
}

/// Records the streams the test routes open and when they close.
private final class StreamProbe: Sendable {
    private let streams = Mutex<[ResponseStream]>([])
    private let opened = DispatchSemaphore(value: 0)
    private let closed = DispatchSemaphore(value: 0)
    let written = Atomic<Int>(0)

    func record(_ stream: ResponseStream) {
        streams.withLock { $0.append(stream) }
        stream.onClose { [closed] in closed.signal() }
        opened.signal()
    }

    func waitForOpen(timeout: TimeInterval = 5) -> ResponseStream? {
        guard opened.wait(timeout: .now() + timeout) == .success else { return nil }
        return streams.withLock { $0.last }
    }

    func waitForClose(timeout: TimeInterval = 5) -> Bool {
        closed.wait(timeout: .now() + timeout) == .success
    }
}
