import ClickHouse
import Foundation
import Synchronization
import XCTest

/// The client's HTTP/1.1 reading against a scripted server: every framing an answer may have,
/// hostile answers as errors (never a crash), and the one retry rule — a read whose kept-alive
/// connection was closed goes again on a new connection, an insert never does.
final class PlainHTTPAnswerTests: XCTestCase {
    func testAnswersFramedEveryWayAreReadWhole() throws {
        let server = try ScriptedServer { _, request in
            switch request {
            case 0:
                .answer(
                    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + "3\r\nabc\r\n2;name=value\r\nde\r\n0\r\nX-Trailer: 1\r\n\r\n")
            case 1: .answer("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: keep-alive\r\n\r\nok")
            default: .answer("HTTP/1.0 200 OK\r\n\r\nuntil the end", close: true)
            }
        }
        let client = server.client()
        XCTAssertEqual(try client.text("SELECT 1"), "abcde")
        XCTAssertEqual(try client.text("SELECT 2"), "ok")
        XCTAssertEqual(try client.text("SELECT 3"), "until the end")
        XCTAssertEqual(server.connections, 1, "one kept-alive connection")
    }

    func testHostileAnswersAreErrorsNotCrashes() throws {
        let answers = [
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n7fffffffffffffff\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nabc",
            "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
            "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
            "SSH-2.0-OpenSSH\r\n\r\n",
            "HTTP/1.1 200 OK\r\nX: " + String(repeating: "y", count: 70_000) + "\r\n\r\n",
        ]
        let server = try ScriptedServer { connection, _ in .answer(answers[connection % answers.count], close: true) }
        let client = server.client()
        for answer in answers {
            XCTAssertThrowsError(try client.text("SELECT 1"), answer.prefix(60).debugDescription) { error in
                guard case .unreachable = error as? ClickHouseError else { return XCTFail("\(error)") }
            }
        }
    }

    func testAReadIsRetriedOnANewConnectionButAnInsertIsNot() throws {
        // Each connection answers its first request and closes at its second without a word, as a
        // server does with a connection it closed while it was idle.
        let server = try ScriptedServer { _, request in
            request == 0 ? .answer("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\n1\r\n") : .close
        }
        let client = server.client()
        XCTAssertEqual(try client.text("SELECT 1"), "1\r\n")
        XCTAssertEqual(try client.text("SELECT 1"), "1\r\n", "sent again on a new connection")
        XCTAssertEqual(server.connections, 2)
        XCTAssertThrowsError(try client.execute("INSERT INTO t FORMAT TabSeparated", rows: Array("1\n".utf8)))
        XCTAssertEqual(try client.text("SELECT 1"), "1\r\n", "on a new connection")
        // An INSERT with its values in the statement is no more sent twice than one with rows.
        XCTAssertThrowsError(try client.execute(" INSERT INTO t VALUES (1)"))
        XCTAssertEqual(server.requests.filter { $0.contains("INSERT") }.count, 2, "each insert was sent once")
    }
}

/// A server on a free local port that reads HTTP/1.1 requests one connection at a time and does
/// what `script(connection, request)` says (both counted from 0).
private final class ScriptedServer: Sendable {
    enum Action: Sendable {
        case answer(String, close: Bool = false)
        case close
    }

    let port: Int
    private let fd: Int32
    private let seen = Seen()

    /// What the server saw: connections accepted and requests read.
    private final class Seen: Sendable {
        let state = Mutex<(connections: Int, requests: [String])>((0, []))
    }

    var connections: Int { seen.state.withLock { $0.connections } }
    var requests: [String] { seen.state.withLock { $0.requests } }

    init(script: @escaping @Sendable (Int, Int) -> Action) throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        fd = listener
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer in
                bind(listener, pointer, length) == 0 && listen(listener, 8) == 0
                    && getsockname(listener, pointer, &length) == 0
            }
        }
        guard bound else { throw POSIXError(.EADDRINUSE) }
        port = Int(UInt16(bigEndian: address.sin_port))
        let seen = self.seen
        Thread.detachNewThread {
            var index = 0
            while true {
                let connection = accept(listener, nil, nil)
                guard connection >= 0 else { return }
                seen.state.withLock { $0.connections += 1 }
                Self.serve(connection, index: index, script: script, seen: seen)
                close(connection)
                index += 1
            }
        }
    }

    deinit {
        Glibc.shutdown(fd, Int32(SHUT_RDWR))
        close(fd)
    }

    func client() -> ClickHouseClient {
        ClickHouseClient(
            endpoint: ClickHouseEndpoint(url: URL(string: "http://127.0.0.1:\(port)")!, user: "test"), timeout: 5)
    }

    private static func serve(
        _ connection: Int32, index: Int, script: (Int, Int) -> Action, seen: Seen
    ) {
        var buffer: [UInt8] = []
        var request = 0
        var chunk = [UInt8](repeating: 0, count: 65_536)
        while true {
            // One request: the head, then Content-Length bytes.
            var complete: Int?
            while complete == nil {
                if let end = buffer.indices.dropLast(3).first(where: {
                    buffer[$0] == 13 && buffer[$0 + 1] == 10 && buffer[$0 + 2] == 13 && buffer[$0 + 3] == 10
                }) {
                    let head = String(decoding: buffer[..<end], as: UTF8.self)
                    let length =
                        head.split(separator: "\r\n").first { $0.lowercased().hasPrefix("content-length:") }
                        .flatMap { Int($0.split(separator: ":")[1].trimmingCharacters(in: .whitespaces)) } ?? 0
                    if buffer.count >= end + 4 + length { complete = end + 4 + length }
                }
                if complete == nil {
                    let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                    guard count > 0 else { return }
                    buffer.append(contentsOf: chunk[..<count])
                }
            }
            guard let complete else { return }
            let text = String(decoding: buffer[..<complete], as: UTF8.self)
            buffer.removeFirst(complete)
            seen.state.withLock { $0.requests.append(text) }
            switch script(index, request) {
            case .close: return
            case .answer(let answer, let close):
                _ = Array(answer.utf8).withUnsafeBytes {
                    send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if close { return }
            }
            request += 1
        }
    }
}
