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
    public private(set) var process: ServiceProcess?

    public var url: String { "http://127.0.0.1:\(httpPort)" }

    /// Creates the folder and configuration; `start()` runs the server.
    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("clickhouse-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        httpPort = try Self.freePort()
        tcpPort = try Self.freePort()
        try configuration.write(to: folder.appendingPathComponent("config.xml"), atomically: true, encoding: .utf8)
        try users.write(to: folder.appendingPathComponent("users.xml"), atomically: true, encoding: .utf8)
    }

    /// Starts the server (again, after `stop()`, on the same data) and waits until it answers.
    public func start(timeout: TimeInterval = 30) throws {
        let server = try ServiceProcess(
            "clickhouse", executable: URL(fileURLWithPath: Self.executable),
            arguments: ["--config-file=\(folder.appendingPathComponent("config.xml").path)"])
        process = server
        let ping = "\(url)/ping"
        guard
            Wait.until(
                timeout: timeout, interval: 0.1,
                {
                    (try? RawHTTPClient(port: self.httpPort, timeout: 2).request("GET", "/ping").status) == 200
                })
        else { throw ClickHouseServerError.notReady(ping, server.output) }
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
        guard let process, process.process.isRunning else { return }
        process.signal(SIGTERM)
        if process.waitForExit(timeout: 20) == nil { process.signal(SIGKILL) }
        _ = process.waitForExit(timeout: 5)
    }

    /// Kills the server without a word (SIGKILL), as a crash would.
    public func kill() {
        guard let process, process.process.isRunning else { return }
        process.signal(SIGKILL)
        _ = process.waitForExit(timeout: 10)
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: folder)
    }

    private var configuration: String {
        """
        <?xml version="1.0"?>
        <yandex>
            <logger><level>warning</level><console>1</console></logger>
            <listen_host>127.0.0.1</listen_host>
            <http_port>\(httpPort)</http_port>
            <tcp_port>\(tcpPort)</tcp_port>
            <path>\(folder.path)/data/</path>
            <tmp_path>\(folder.path)/tmp/</tmp_path>
            <user_files_path>\(folder.path)/user_files/</user_files_path>
            <format_schema_path>\(folder.path)/format_schemas/</format_schema_path>
            <mark_cache_size>67108864</mark_cache_size>
            <uncompressed_cache_size>67108864</uncompressed_cache_size>
            <max_concurrent_queries>16</max_concurrent_queries>
            <users_config>users.xml</users_config>
            <default_profile>default</default_profile>
            <default_database>default</default_database>
            <timezone>UTC</timezone>
        </yandex>
        """
    }

    private var users: String {
        let digest = Self.sha256Hex(writerPassword)
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
                        <password_sha256_hex>\(digest)</password_sha256_hex>
                        <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
                        <profile>default</profile><quota>default</quota>
                    </writer>
                </users>
                <quotas><default></default></quotas>
            </yandex>
            """
    }

    /// SHA-256 of `text` in hex, by `sha256sum` (coreutils): the test's own password digest.
    private static func sha256Hex(_ text: String) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try? process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try? input.fileHandleForWriting.close()
        process.waitUntilExit()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return String(printed.prefix(64))
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
