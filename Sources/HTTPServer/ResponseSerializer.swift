import Foundation

/// Writes a response's bytes: status line, the server's own headers (`Date`, `Server`,
/// `Content-Length`, `Connection`), the handler's headers and the body.
struct ResponseSerializer {
    let serverName: String
    private var dateHeader: [UInt8] = []
    private var dateSecond = -1

    init(serverName: String) {
        self.serverName = serverName
    }

    mutating func write(
        _ response: HTTPResponse, headOnly: Bool, version: HTTPVersion, keepAlive: Bool, into output: inout [UInt8]
    ) {
        refreshDate()
        output.append(contentsOf: "HTTP/1.1 ".utf8)
        Self.appendDecimal(response.status.code, to: &output)
        output.append(0x20)
        output.append(contentsOf: response.status.reason.utf8)
        output.append(contentsOf: "\r\nDate: ".utf8)
        output.append(contentsOf: dateHeader)
        output.append(contentsOf: "\r\nServer: ".utf8)
        output.append(contentsOf: serverName.utf8)
        output.append(contentsOf: "\r\n".utf8)
        if !response.status.forbidsBody {
            output.append(contentsOf: "Content-Length: ".utf8)
            Self.appendDecimal(response.body.count, to: &output)
            output.append(contentsOf: "\r\n".utf8)
        }
        for field in response.headers where !Self.isManaged(field.name) {
            output.append(contentsOf: field.name.utf8)
            output.append(contentsOf: ": ".utf8)
            output.append(contentsOf: field.value.utf8)
            output.append(contentsOf: "\r\n".utf8)
        }
        if !keepAlive {
            output.append(contentsOf: "Connection: close\r\n".utf8)
        } else if version == .http1_0 {
            output.append(contentsOf: "Connection: keep-alive\r\n".utf8)
        }
        output.append(contentsOf: "\r\n".utf8)
        if !headOnly && !response.status.forbidsBody {
            output.append(contentsOf: response.body)
        }
    }

    private static func appendDecimal(_ value: Int, to output: inout [UInt8]) {
        // Small strings live inline: no allocation.
        output.append(contentsOf: String(value).utf8)
    }

    static func writeContinue(into output: inout [UInt8]) {
        output.append(contentsOf: "HTTP/1.1 100 Continue\r\n\r\n".utf8)
    }

    private static func isManaged(_ name: String) -> Bool {
        HTTPHeaders.same(name, "Content-Length") || HTTPHeaders.same(name, "Connection")
            || HTTPHeaders.same(name, "Date") || HTTPHeaders.same(name, "Server")
            || HTTPHeaders.same(name, "Transfer-Encoding")
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
