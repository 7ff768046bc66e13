import Foundation

/// One message of a `text/event-stream` body as a client parses it: its fields, or a comment.
public struct StreamMessage: CustomStringConvertible {
    public var event: String?
    public var data: String?
    public var retry: Int?
    public var comment: String?

    /// `data` as a JSON object (empty when it is not one).
    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data((data ?? "").utf8))) as? [String: Any] ?? [:]
    }

    public var description: String {
        "event=\(event ?? "message") retry=\(retry.map(String.init) ?? "-") comment=\(comment ?? "-") "
            + "data=\((data ?? "").prefix(200))"
    }
}

/// Reads Server-Sent Events off a chunked response whose head `RawHTTPClient.readHead` has read:
/// chunks are joined and split into messages at blank lines, as the HTML standard parses them.
public final class StreamClient {
    public let connection: RawHTTPClient
    private var pending: [UInt8] = []

    public init(_ connection: RawHTTPClient) {
        self.connection = connection
    }

    /// The next message (or comment); throws on timeout or when the stream ends.
    public func nextMessage() throws -> StreamMessage {
        while true {
            if let end = pending.firstRange(of: [0x0A, 0x0A]) {
                let text = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                pending.removeFirst(end.upperBound)
                return Self.parse(text)
            }
            let chunk = try connection.readChunk()
            guard !chunk.isEmpty else { throw RawHTTPClientError.closed(partial: "the stream ended") }
            pending += chunk
        }
    }

    /// Reads until the last chunk and then the connection's close: true when both arrive in time.
    public func readToEnd() throws -> Bool {
        while try !connection.readChunk().isEmpty {}
        return try connection.readUntilClosed().isEmpty
    }

    public func close() {
        shutdown(connection.fd, Int32(SHUT_RDWR))
    }

    private static func parse(_ text: String) -> StreamMessage {
        var message = StreamMessage()
        var data: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix(":") {
                message.comment = line.dropFirst().trimmingCharacters(in: .whitespaces)
                continue
            }
            let parts = line.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            var value = parts.count > 1 ? String(parts[1]) : ""
            if value.hasPrefix(" ") { value.removeFirst() }
            switch name {
            case "event": message.event = value
            case "data": data.append(value)
            case "retry": message.retry = Int(value)
            default: break
            }
        }
        if !data.isEmpty { message.data = data.joined(separator: "\n") }
        return message
    }
}
