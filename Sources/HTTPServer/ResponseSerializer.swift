import Foundation

/// How the end of a response body is found by the client (RFC 9112 §6.3).
enum BodyFraming {
    /// `Content-Length`, the body written with the head.
    case contentLength
    /// `Transfer-Encoding: chunked`, the body written later as chunks (streams on HTTP/1.1).
    case chunked
    /// Neither: the body ends when the connection closes (streams on HTTP/1.0).
    case untilClose
}

/// Writes a response's bytes: status line, the server's own headers (`Date`, `Server`,
/// `Content-Length` or `Transfer-Encoding`, `Connection`), the handler's headers and the body.
struct ResponseSerializer {
    let serverName: String
    private var dateHeader: [UInt8] = []
    private var dateSecond = -1

    init(serverName: String) {
        self.serverName = serverName
    }

    mutating func write(
        _ response: HTTPResponse, headOnly: Bool, version: HTTPVersion, keepAlive: Bool,
        framing: BodyFraming = .contentLength, into output: inout [UInt8]
    ) {
        refreshDate()
        output.reserveCapacity(output.count + 256 + response.body.count)
        Self.append("HTTP/1.1 ", to: &output)
        Self.appendDecimal(response.status.code, to: &output)
        output.append(0x20)
        output.append(contentsOf: response.status.reason.utf8)
        Self.append("\r\nDate: ", to: &output)
        output.append(contentsOf: dateHeader)
        Self.append("\r\nServer: ", to: &output)
        output.append(contentsOf: serverName.utf8)
        Self.append("\r\n", to: &output)
        if !response.status.forbidsBody {
            switch framing {
            case .contentLength:
                Self.append("Content-Length: ", to: &output)
                Self.appendDecimal(response.body.count, to: &output)
                Self.append("\r\n", to: &output)
            case .chunked:
                Self.append("Transfer-Encoding: chunked\r\n", to: &output)
            case .untilClose:
                break
            }
        }
        for field in response.headers where !Self.isManaged(field.name) {
            output.append(contentsOf: field.name.utf8)
            Self.append(": ", to: &output)
            // A value cannot end the field or the head early (RFC 9110 §5.5): CR, LF and NUL
            // become spaces, whatever a handler put in it.
            for byte in field.value.utf8 { output.append(byte == 0x0D || byte == 0x0A || byte == 0 ? 0x20 : byte) }
            Self.append("\r\n", to: &output)
        }
        if !keepAlive {
            Self.append("Connection: close\r\n", to: &output)
        } else if version == .http1_0 {
            Self.append("Connection: keep-alive\r\n", to: &output)
        }
        Self.append("\r\n", to: &output)
        if !headOnly && !response.status.forbidsBody && framing == .contentLength {
            output.append(contentsOf: response.body)
        }
    }

    /// One piece of a streamed body in `framing` (a chunk, or the bytes as they are).
    static func writeStreamPiece(_ bytes: [UInt8], framing: BodyFraming, into output: inout [UInt8]) {
        guard framing == .chunked else {
            output.append(contentsOf: bytes)
            return
        }
        output.append(contentsOf: String(bytes.count, radix: 16).utf8)
        append("\r\n", to: &output)
        output.append(contentsOf: bytes)
        append("\r\n", to: &output)
    }

    /// The end of a chunked body: the last chunk, and no trailers.
    static func writeLastChunk(into output: inout [UInt8]) {
        append("0\r\n\r\n", to: &output)
    }

    /// Appends a literal's bytes with one copy.
    private static func append(_ text: StaticString, to output: inout [UInt8]) {
        output.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        // Small strings live inline: no allocation.
        output.append(contentsOf: String(value).utf8)
    }

    static func writeContinue(into output: inout [UInt8]) {
        append("HTTP/1.1 100 Continue\r\n\r\n", to: &output)
    }

    /// Whether the server writes this header itself (a handler's copy is dropped).
    private static func isManaged(_ name: String) -> Bool {
        switch name.utf8.count {
        case 4: return HTTPHeaders.same(name, "Date")
        case 6: return HTTPHeaders.same(name, "Server")
        case 10: return HTTPHeaders.same(name, "Connection")
        case 14: return HTTPHeaders.same(name, "Content-Length")
        case 17: return HTTPHeaders.same(name, "Transfer-Encoding")
        default: return false
        }
    }

    /// IMF-fixdate (RFC 9110 §5.6.7), recomputed at most once a second.
    private mutating func refreshDate() {
        var now = time(nil)
        guard Int(now) != dateSecond else { return }
        dateSecond = Int(now)
        var parts = tm()
        gmtime_r(&now, &parts)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        dateHeader = Array(
            (days[Int(parts.tm_wday)] + ", " + String(format: "%02d", parts.tm_mday) + " " + months[Int(parts.tm_mon)]
                + String(
                    format: " %04d %02d:%02d:%02d GMT", parts.tm_year + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec))
                .utf8)
    }
}
