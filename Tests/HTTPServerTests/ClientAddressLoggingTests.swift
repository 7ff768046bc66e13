import Foundation
import HTTPServer
import Logging
import Synchronization
import TestSupport
import XCTest

/// The server's log lines never name a client's address: a log is kept longer and read by more
/// people than the statistics, which publish at most an anonymised address.
final class ClientAddressLoggingTests: XCTestCase {
    private var server: HTTPServer?

    override func tearDown() {
        server?.shutdown(timeout: .seconds(1))
        server = nil
    }

    func testADroppedStreamIsLoggedWithoutTheClientsAddress() throws {
        let lines = CapturedLog()
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.eventLoopCount = 1
        configuration.streamBacklogLimit = 1024
        var router = Router()
        router.on("GET", "/flood") { _, respond in
            // More than the backlog at once, before the loop could send any of it: dropped.
            respond(.stream(headers: HTTPHeaders()) { $0.write([UInt8](repeating: 0x61, count: 4096)) })
        }
        let server = try HTTPServer(
            configuration: configuration, responder: router,
            logger: Logger(label: "test") { _ in CapturedLog.Handler(log: lines) })
        self.server = server
        let connection = try RawHTTPClient(port: server.port, timeout: 5)
        try connection.send("GET /flood HTTP/1.1\r\nHost: a\r\n\r\n")

        XCTAssertTrue(
            Wait.until(timeout: 10) { lines.all.contains { $0.contains("dropping a streamed response") } },
            "the stream was not dropped: \(lines.all)")
        for line in lines.all {
            XCTAssertFalse(line.contains("127.0.0.1"), "a log line names the client's address: \(line)")
        }
    }
}

/// Every line logged through its handler, message and metadata, for a test to read.
private final class CapturedLog: Sendable {
    private let lines = Mutex<[String]>([])

    var all: [String] { lines.withLock { $0 } }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
            let line = "\(event.message) " + merged.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: " ")
            log.lines.withLock { $0.append(line) }
        }
    }
}
