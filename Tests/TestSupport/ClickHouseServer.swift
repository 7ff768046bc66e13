import Foundation

/// A real ClickHouse server for one test: Debian's `clickhouse-server` (18.16 here) started as an
/// ordinary process on free ports with a configuration of the test's own in a fresh folder —
/// system log tables off, caches capped — and a `writer` user with a password next to the
/// password-less `default`. Stopped (SIGTERM, then waited for) by `stop()` or on deinit.
public final class ClickHouseServer: @unchecked Sendable {
    /// Where Debian installs it (`/usr/sbin`), or a newer package (`/usr/bin`).
    public static let executable =
        ["/usr/sbin/clickhouse-server", "/usr/bin/clickhouse-server"].first {
            FileManager.default.isExecutableFile(atPath: $0)
        } ?? "/usr/sbin/clickhouse-server"
    public static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    public let folder: URL
    public let httpPort: Int
    public let tcpPort: Int
    /// The `writer` user's password.
    public let writerPassword = "writer-password-0123456789"
    /// The running server's process id.
    public private(set) var pid: Int32?

    public var url: String { "http://127.0.0.1:\(httpPort)" }

    /// Creates the folder and configuration; `start()` runs the server.
    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("clickhouse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        httpPort = try Self.freePort()
        tcpPort = try Self.freePort()
        try (try configuration).write(
            to: folder.appendingPathComponent("config.xml"), atomically: true, encoding: .utf8)
        try users.write(to: folder.appendingPathComponent("users.xml"), atomically: true, encoding: .utf8)
    }

    /// Starts the server (again, after `stop()`, on the same data) and waits until it answers.
    ///
    /// It is started through `sh` and left to run on its own, not as a child of the tests: while
    /// clickhouse-server was a Foundation `Process` of the test process, the exits of the test's
    /// other children (a consumer stopping with status 2) were no longer noticed.
    public func start(timeout: TimeInterval = 30) throws {
        let log = folder.appendingPathComponent("server.log").path
        let config = folder.appendingPathComponent("config.xml").path
        let (status, printed, errors) = try ExternalCommand.run([
            "sh", "-c", "\"$0\" --config-file=\"$1\" >>\"$2\" 2>&1 </dev/null & echo $!", Self.executable, config, log,
        ])
        guard status == 0, let pid = Int32(printed.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw ClickHouseServerError.notReady(url, printed + errors)
        }
        self.pid = pid
        guard
            Wait.until(
                timeout: timeout, interval: 0.1,
                {
                    (try? RawHTTPClient(port: self.httpPort, timeout: 2).request("GET", "/ping").status) == 200
                })
        else { throw ClickHouseServerError.notReady(url, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "") }
    }

    /// The server's output so far.
    public var output: String {
        (try? String(contentsOf: folder.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
    }

    /// Runs `sql` as `default` and returns the answer's text (test assertions read tables).
    public func query(_ sql: String) throws -> String {
        // ClickHouse answers results chunked: read by hand, apart from the client under test.
        let client = try RawHTTPClient(port: httpPort, timeout: 30)
        let body = Array(sql.utf8)
        try client.send(
            Array("POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.count)\r\n\r\n".utf8) + body)
        var response = try client.readHead()
        if response.header("Transfer-Encoding")?.lowercased() == "chunked" {
            while true {
                let chunk = try client.readChunk()
                if chunk.isEmpty { break }
                response.body += chunk
            }
        } else {
            let length = Int(response.header("Content-Length") ?? "0") ?? 0
            if length > 0 { response.body = Array(try client.read(count: length)) }
        }
        guard response.status == 200 else { throw ClickHouseServerError.query(sql, response.text) }
        return response.text
    }

    /// Stops the server: SIGTERM, then waits for it to exit (SIGKILL after 20 s).
    public func stop() {
        guard let pid else { return }
        Glibc.kill(pid, SIGTERM)
        if !Wait.until(timeout: 20, interval: 0.05, { !Self.isAlive(pid) }) {
            Glibc.kill(pid, SIGKILL)
            _ = Wait.until(timeout: 5, interval: 0.05) { !Self.isAlive(pid) }
        }
        self.pid = nil
    }

    /// Kills the server without a word (SIGKILL), as a crash would.
    public func kill() {
        guard let pid else { return }
        Glibc.kill(pid, SIGKILL)
        _ = Wait.until(timeout: 10, interval: 0.05) { !Self.isAlive(pid) }
        self.pid = nil
    }

    /// Whether `pid` runs (a zombie waiting for its reaper has ended).
    private static func isAlive(_ pid: Int32) -> Bool {
        guard Glibc.kill(pid, 0) == 0 else { return false }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return false }
        return !stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).hasPrefix("Z")
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    /// The repository's `config/clickhouse/config.xml` (what `make run` uses) with this test's
    /// folder and ports filled in, so the tests run the configuration that ships.
    private var configuration: String {
        get throws {
            let template = try String(
                contentsOf: Self.repository.appendingPathComponent("config/clickhouse/config.xml"), encoding: .utf8)
            return
                template
                .replacingOccurrences(of: "{{DATA}}", with: folder.path)
                .replacingOccurrences(of: "{{HTTP_PORT}}", with: String(httpPort))
                .replacingOccurrences(of: "{{TCP_PORT}}", with: String(tcpPort))
                .replacingOccurrences(of: "{{USERS}}", with: folder.appendingPathComponent("users.xml").path)
        }
    }

    /// The repository's root.
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    private var users: String {
        return """
            <?xml version="1.0"?>
            <yandex>
                <profiles><default><max_memory_usage>2000000000</max_memory_usage></default></profiles>
                <users>
                    <default>
                        <password></password>
                        <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                        <profile>default</profile><quota>default</quota>
                    </default>
                    <writer>
                        <password>\(writerPassword)</password>
                        <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                        <profile>default</profile><quota>default</quota>
                    </writer>
                </users>
                <quotas><default></default></quotas>
            </yandex>
            """
    }

    /// A TCP port nothing listens on now.
    public static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw ClickHouseServerError.noPort }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard bound == 0 else { throw ClickHouseServerError.noPort }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else { throw ClickHouseServerError.noPort }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

public enum ClickHouseServerError: Error, CustomStringConvertible {
    case notReady(String, String)
    case query(String, String)
    case noPort

    public var description: String {
        switch self {
        case .notReady(let url, let output): "ClickHouse did not answer \(url):\n\(output)"
        case .query(let sql, let answer): "ClickHouse refused \(sql): \(answer)"
        case .noPort: "no free TCP port"
        }
    }
}
