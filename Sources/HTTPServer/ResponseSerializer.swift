import Foundation

/// Writes a response's bytes: status line, the server's own headers (`Date`, `Server`,
/// `Content-Length`, `Connection`), the handler's headers and the body.
struct ResponseSerializer {
    let serverName: String
    private var dateHeader = ""
    private var dateSecond = -1

    init(serverName: String) {
        self.serverName = serverName
    }

    mutating func write(
        _ response: HTTPResponse, headOnly: Bool, version: HTTPVersion, keepAlive: Bool, into output: inout [UInt8]
    ) {
        refreshDate()
        var text =
            "HTTP/1.1 \(response.status.code) \(response.status.reason)\r\nDate: \(dateHeader)\r\nServer: \(serverName)\r\n"
        if !response.status.forbidsBody {
            text += "Content-Length: \(response.body.count)\r\n"
        }
        for field in response.headers where !Self.isManaged(field.name) {
            text += "\(field.name): \(field.value)\r\n"
        }
        if !keepAlive {
            text += "Connection: close\r\n"
        } else if version == .http1_0 {
            text += "Connection: keep-alive\r\n"
        }
        text += "\r\n"
        output.append(contentsOf: text.utf8)
        if !headOnly && !response.status.forbidsBody {
            output.append(contentsOf: response.body)
        }
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
        dateHeader =
            days[Int(parts.tm_wday)] + ", " + String(format: "%02d", parts.tm_mday) + " " + months[Int(parts.tm_mon)]
            + String(
                format: " %04d %02d:%02d:%02d GMT", parts.tm_year + 1900, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }
}
