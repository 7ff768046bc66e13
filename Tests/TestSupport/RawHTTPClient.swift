import Foundation

/// A response read off the wire by `RawHTTPClient`.
public struct RawHTTPResponse: Sendable, CustomStringConvertible {
    public var status: Int
    public var headers: [(String, String)]
    public var body: [UInt8]

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }

    public var text: String { String(decoding: body, as: UTF8.self) }

    /// The body as a JSON object.
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] ?? [:]
    }

    /// The body as a JSON array of objects.
    public var jsonArray: [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: Data(body))) as? [[String: Any]] ?? []
    }

    public var description: String { "\(status) \(text)" }
}

/// Errors of the test client.
public enum RawHTTPClientError: Error, CustomStringConvertible {
    case connect(Int32)
    case timeout
    case closed(partial: String)
    case malformed(String)

    public var description: String {
        switch self {
        case .connect(let code): return "connect failed: \(String(cString: strerror(code)))"
        case .timeout: return "timed out waiting for the response"
        case .closed(let partial): return "connection closed; had read: \(partial.prefix(300))"
        case .malformed(let text): return "malformed response: \(text.prefix(300))"
        }
    }
}

/// A deliberately low-level HTTP/1.1 client over one TCP connection: tests send exact bytes
/// (pipelined, malformed, slow) and read exact responses, which a real client library would hide.
public final class RawHTTPClient {
    public let fd: Int32
    private var buffer: [UInt8] = []

    public init(port: Int, host: String = "127.0.0.1", timeout: TimeInterval = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        inet_pton(AF_INET, host, &address.sin_addr)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            close(fd)
            throw RawHTTPClientError.connect(code)
        }
        setTimeout(timeout)
    }

    deinit {
        close(fd)
    }

    public func setTimeout(_ seconds: TimeInterval) {
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int((seconds - Double(Int(seconds))) * 1_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ text: String) throws {
        try send(Array(text.utf8))
    }

    public func send(_ bytes: [UInt8]) throws {
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes {
                Glibc.send(fd, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw RawHTTPClientError.closed(partial: "send failed") }
            sent += count
        }
    }

    /// Sends a request with a JSON body and reads the response.
    public func request(
        _ method: String, _ path: String, body: String? = nil, headers: [String: String] = [:]
    ) throws -> RawHTTPResponse {
        var text = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\n"
        var allHeaders = headers
        if let body {
            if allHeaders["Content-Type"] == nil { allHeaders["Content-Type"] = "application/json" }
            allHeaders["Content-Length"] = String(body.utf8.count)
        }
        for (name, value) in allHeaders.sorted(by: { $0.key < $1.key }) { text += "\(name): \(value)\r\n" }
        text += "\r\n" + (body ?? "")
        try send(text)
        return try readResponse(headOnly: method == "HEAD")
    }

    /// Sends a request with a binary body (a compressed one, say) and reads the response.
    public func request(_ method: String, _ path: String, bytes: [UInt8], headers: [String: String]) throws
        -> RawHTTPResponse
    {
        var head = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(bytes.count)\r\n"
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { head += "\(name): \(value)\r\n" }
        try send(Array((head + "\r\n").utf8) + bytes)
        return try readResponse()
    }

    /// Reads one response (Content-Length framed, or no body for HEAD/1xx/204/304).
    public func readResponse(headOnly: Bool = false) throws -> RawHTTPResponse {
        while true {
            if let end = headEnd() {
                var response = try Self.parseHead(String(decoding: buffer[0..<end], as: UTF8.self))
                let status = response.status
                let length =
                    headOnly || status < 200 || status == 204 || status == 304
                    ? 0 : Int(response.header("Content-Length") ?? "0") ?? 0
                while buffer.count < end + length { try fill() }
                response.body = Array(buffer[end..<(end + length)])
                buffer.removeFirst(end + length)
                return response
            }
            try fill()
        }
    }

    /// Reads a response's status line and headers only, leaving its body to be read (streams).
    public func readHead() throws -> RawHTTPResponse {
        while true {
            if let end = headEnd() {
                let response = try Self.parseHead(String(decoding: buffer[0..<end], as: UTF8.self))
                buffer.removeFirst(end)
                return response
            }
            try fill()
        }
    }

    /// Reads one chunk of a chunked body; empty for the last chunk (whose trailer must be empty).
    public func readChunk() throws -> [UInt8] {
        let sizeLine = try readLine()
        guard let size = Int(sizeLine.split(separator: ";").first ?? "", radix: 16) else {
            throw RawHTTPClientError.malformed("chunk size line \(sizeLine)")
        }
        if size == 0 {
            let trailer = try readLine()
            guard trailer.isEmpty else { throw RawHTTPClientError.malformed("trailer \(trailer)") }
            return []
        }
        while buffer.count < size + 2 { try fill() }
        let chunk = Array(buffer[0..<size])
        guard buffer[size] == 13, buffer[size + 1] == 10 else {
            throw RawHTTPClientError.malformed("chunk of \(size) bytes not followed by CRLF")
        }
        buffer.removeFirst(size + 2)
        return chunk
    }

    /// Reads exactly `count` bytes.
    public func read(count: Int) throws -> [UInt8] {
        while buffer.count < count { try fill() }
        defer { buffer.removeFirst(count) }
        return Array(buffer[0..<count])
    }

    /// Reads until `text` has arrived; returns everything read up to and including it.
    public func read(through text: String) throws -> String {
        let marker = Array(text.utf8)
        while true {
            if let range = buffer.firstRange(of: marker) {
                let result = String(decoding: buffer[0..<range.upperBound], as: UTF8.self)
                buffer.removeFirst(range.upperBound)
                return result
            }
            try fill()
        }
    }

    /// Reads until the server closes the connection; returns what arrived (not yet read before).
    public func readUntilClosed() throws -> [UInt8] {
        while true {
            do {
                try fill()
            } catch RawHTTPClientError.closed {
                defer { buffer.removeAll() }
                return buffer
            }
        }
    }

    /// Shrinks this side's receive buffer (before much is sent), so a client that stops reading
    /// makes the server's output back up quickly.
    public func setReceiveBuffer(_ bytes: Int32) {
        var value = bytes
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &value, socklen_t(MemoryLayout<Int32>.size))
    }

    private func readLine() throws -> String {
        while true {
            if let range = buffer.firstRange(of: [13, 10]) {
                let line = String(decoding: buffer[0..<range.lowerBound], as: UTF8.self)
                buffer.removeFirst(range.upperBound)
                return line
            }
            try fill()
        }
    }

    private static func firstRange(of marker: [UInt8], in bytes: [UInt8]) -> Range<Int>? {
        guard bytes.count >= marker.count else { return nil }
        for start in 0...(bytes.count - marker.count) where bytes[start..<(start + marker.count)].elementsEqual(marker)
        {
            return start..<(start + marker.count)
        }
        return nil
    }

    private static func parseHead(_ headText: String) throws -> RawHTTPResponse {
        var lines = headText.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard !lines.isEmpty else { throw RawHTTPClientError.malformed(headText) }
        let statusLine = lines.removeFirst().split(separator: " ")
        guard statusLine.count >= 2, let status = Int(statusLine[1]) else {
            throw RawHTTPClientError.malformed(headText)
        }
        let headers = lines.compactMap { line -> (String, String)? in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return RawHTTPResponse(status: status, headers: headers, body: [])
    }

    /// True when the server has closed the connection (read returns 0) within the timeout.
    public func isClosedByServer() -> Bool {
        var byte: UInt8 = 0
        while true {
            let count = recv(fd, &byte, 1, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
            buffer.append(byte)
        }
    }

    /// Where the head ends (after its blank line), once it is all in.
    private func headEnd() -> Int? {
        buffer.firstRange(of: [13, 10, 13, 10])?.upperBound
    }

    private func fill() throws {
        var chunk = [UInt8](repeating: 0, count: 65_536)
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count > 0 {
            buffer.append(contentsOf: chunk[0..<count])
        } else if count == 0 {
            throw RawHTTPClientError.closed(partial: String(decoding: buffer, as: UTF8.self))
        } else if errno == EAGAIN || errno == EWOULDBLOCK {
            throw RawHTTPClientError.timeout
        } else {
            throw RawHTTPClientError.closed(partial: String(decoding: buffer, as: UTF8.self))
        }
    }
}
