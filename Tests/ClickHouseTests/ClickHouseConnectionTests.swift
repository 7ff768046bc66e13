import ClickHouse
import Foundation
import Synchronization
import TestSupport
import XCTest

/// The client's own HTTP/1.1 connections (`http` endpoints) against a real ClickHouse: kept alive
/// between statements, replaced when the server closed them, whole answers of any size and
/// framing, a timeout, and a shutdown that fails the request in flight.
final class ClickHouseConnectionTests: ClickHouseTestCase {
    func testStatementsShareOneKeptAliveConnection() throws {
        let client = try client()
        for index in 0..<50 {
            XCTAssertEqual(try client.text("SELECT \(index)"), "\(index)\n")
        }
        // The server counts the HTTP connections open to it: ours, kept between statements.
        XCTAssertEqual(
            try client.text("SELECT value FROM system.metrics WHERE metric = 'HTTPConnection'"), "1\n",
            "one connection carried every statement")
    }

    func testAConnectionTheServerClosedIsReplacedForAReadButNoInsertIsSentTwice() throws {
        let client = try client()
        try client.execute("CREATE TABLE once (n UInt32) ENGINE = MergeTree ORDER BY n")
        XCTAssertEqual(try client.text("SELECT 1"), "1\n")
        // A restart (SIGKILL: quicker than a clean stop) closes the kept-alive connection: the next statement goes on a new one.
        let server = try XCTUnwrap(self.server)
        server.kill()
        try server.start()
        XCTAssertEqual(try client.text("SELECT count() FROM once"), "0\n")
        try client.execute("INSERT INTO once FORMAT TabSeparated", rows: Array("1\n2\n".utf8))
        server.kill()
        try server.start()
        // An insert goes on a new connection too, and lands once.
        try client.execute("INSERT INTO once FORMAT TabSeparated", rows: Array("3\n".utf8))
        XCTAssertEqual(try client.text("SELECT count(), sum(n) FROM once FORMAT TabSeparated"), "3\t6\n")
        // Idle past ClickHouse's keep-alive timeout (3 s in 18.16): still answered.
        Thread.sleep(forTimeInterval: 3.5)
        XCTAssertEqual(try client.text("SELECT 2"), "2\n")
    }

    func testLargeAnswersAndBodiesArriveWhole() throws {
        let client = try client()
        // About 15 MB, in many chunks.
        let answer = try client.execute("SELECT number FROM numbers(2000000) FORMAT TabSeparated")
        var lines = 0
        var last: [UInt8] = []
        var current: [UInt8] = []
        for byte in answer {
            if byte == UInt8(ascii: "\n") {
                lines += 1
                last = current
                current = []
            } else {
                current.append(byte)
            }
        }
        XCTAssertEqual(lines, 2_000_000)
        XCTAssertEqual(String(decoding: last, as: UTF8.self), "1999999")
        // About 24 MB of rows in one insert.
        try client.execute("CREATE TABLE big (n UInt64, s String) ENGINE = MergeTree ORDER BY n")
        var rows: [UInt8] = []
        let filler = String(repeating: "x", count: 100)
        for index in 0..<200_000 { rows.append(contentsOf: "\(index)\t\(filler)\n".utf8) }
        try client.execute("INSERT INTO big FORMAT TabSeparated", rows: rows)
        XCTAssertEqual(
            try client.text("SELECT count(), sum(n), min(length(s)) FROM big FORMAT TabSeparated"),
            "200000\t19999900000\t100\n")
        // An empty answer (Content-Length or chunked, either way) is an empty body.
        XCTAssertEqual(try client.execute("SELECT 1 WHERE 0 FORMAT TabSeparated"), [])
    }

    func testASlowAnswerTimesOut() throws {
        let server = try XCTUnwrap(self.server)
        let client = ClickHouseClient(
            endpoint: ClickHouseEndpoint(
                url: try XCTUnwrap(ClickHouseEndpoint.url(server.url)), database: "default", user: "writer",
                password: server.writerPassword), timeout: 1)
        XCTAssertThrowsError(try client.execute("SELECT sleep(2.5)")) { error in
            XCTAssertEqual(error as? ClickHouseError, .timedOut(seconds: 1))
        }
        XCTAssertEqual(try client.text("SELECT 3"), "3\n", "the next statement goes on a new connection")
    }

    func testShutdownFailsTheRequestInFlightAndRefusesLaterOnes() throws {
        let client = try client()
        XCTAssertEqual(try client.text("SELECT 1"), "1\n")
        let outcome = Mutex<Result<String, ClickHouseError>?>(nil)
        let thread = Thread {
            do throws(ClickHouseError) {
                let answer = try client.text("SELECT sleep(3)")
                outcome.withLock { $0 = .success(answer) }
            } catch {
                outcome.withLock { $0 = .failure(error) }
            }
        }
        thread.start()
        Thread.sleep(forTimeInterval: 0.5)
        client.shutdown()
        client.shutdown()
        // The sleep would have answered "0": the request failed instead.
        let deadline = Date().addingTimeInterval(20)
        while outcome.withLock({ $0 }) == nil && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        guard case .failure(.unreachable) = outcome.withLock({ $0 }) else {
            return XCTFail("\(String(describing: outcome.withLock { $0 }))")
        }
        XCTAssertThrowsError(try client.execute("SELECT 1")) { error in
            guard case .unreachable(_, let reason) = error as? ClickHouseError else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("shut down"), reason)
        }
    }
}
