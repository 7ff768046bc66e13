/// One message of a `text/event-stream` body (HTML Living Standard, "Server-sent events"), as
/// bytes to write to a `ResponseStream`.
///
/// It exists so the framing rules live in one place: every line of `data` becomes its own
/// `data:` field (CR, LF and CRLF all end a line), and a message ends with a blank line.
public struct ServerSentEvent: Sendable, Equatable {
    /// The event type; nil dispatches a plain `message` event.
    public var event: String?
    public var data: String
    public var id: String?
    /// Reconnection time the client should use, in milliseconds.
    public var retryMilliseconds: Int?

    public init(event: String? = nil, data: String, id: String? = nil, retryMilliseconds: Int? = nil) {
        self.event = event
        self.data = data
        self.id = id
        self.retryMilliseconds = retryMilliseconds
    }

    public var bytes: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(data.utf8.count + 32)
        if let retryMilliseconds { Self.field("retry", String(retryMilliseconds), into: &output) }
        // Field values are single lines: a line break in `event` or `id` would start a new field.
        if let event { Self.field("event", Self.singleLine(event), into: &output) }
        if let id { Self.field("id", Self.singleLine(id), into: &output) }
        for line in Self.lines(of: data) { Self.field("data", line, into: &output) }
        output.append(0x0A)
        return output
    }

    /// A comment line (ignored by clients; keeps idle connections and proxies alive).
    public static func comment(_ text: String) -> [UInt8] {
        Array((": " + singleLine(text) + "\n\n").utf8)
    }

    private static func field(_ name: String, _ value: Substring, into output: inout [UInt8]) {
        output.append(contentsOf: name.utf8)
        output.append(contentsOf: ": ".utf8)
        output.append(contentsOf: value.utf8)
        output.append(0x0A)
    }

    private static func field(_ name: String, _ value: String, into output: inout [UInt8]) {
        field(name, Substring(value), into: &output)
    }

    /// The lines of `text`, split at CRLF, LF or CR; one empty line for empty text.
    static func lines(of text: String) -> [Substring] {
        text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }
    }

    private static func singleLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" || $0 == "\r\n" ? " " : $0 })
    }
}
