/// Encodes events for the Kafka record value and decodes them back on the consumer side.
///
/// One place owns the wire format so that producer and consumer cannot drift apart: UTF-8 JSON,
/// one object, keys sorted so identical events produce identical bytes. Both directions are
/// hand-written over `JSONWriter`/`JSONParser`, since they run once per event on the hot paths.
public struct EventCodec: Sendable {
    public init() {}

    /// The record value for `event`.
    public func encode(_ event: AnalyticsEvent) -> [UInt8] {
        var writer = JSONWriter(capacity: 384)
        var first = true
        writer.raw("{")
        // Keys in sorted order.
        writer.member("client_timestamp", event.clientTimestamp, first: &first)
        writer.member("id", event.id, first: &first)
        writer.member("ip_address", event.ipAddress, first: &first)
        if let metadata = event.metadata {
            writer.memberKey("metadata", first: &first)
            writer.object(metadata)
        }
        writer.member("path", event.path, first: &first)
        writer.member("referrer", event.referrer, first: &first)
        writer.member("session_id", event.sessionID, first: &first)
        writer.member("timestamp", event.timestamp, first: &first)
        writer.member("type", event.type, first: &first)
        writer.member("url", event.url, first: &first)
        writer.member("user_agent", event.userAgent, first: &first)
        writer.member("user_id", event.userID, first: &first)
        writer.raw("}")
        return writer.bytes
    }

    /// Decodes a record value, checking what the consumer relies on (an id, a valid type and a
    /// server timestamp).
    public func decode(_ bytes: [UInt8]) throws(RecordDecodingError) -> AnalyticsEvent {
        let value: JSONValue
        do {
            value = try JSONParser.parse(bytes)
        } catch {
            throw .notAnEvent("not JSON: \(error.description)")
        }
        guard case .object(let members) = value else { throw .notAnEvent("not a JSON object") }
        func text(_ key: String) throws(RecordDecodingError) -> String? {
            switch members[key] {
            case nil, .null?: return nil
            case .string(let value)?: return value
            default: throw .notAnEvent("\"\(key)\" is not a string")
            }
        }
        guard let id = try text("id") else { throw .notAnEvent("no \"id\"") }
        guard let type = try text("type") else { throw .notAnEvent("no \"type\"") }
        guard let timestamp = try text("timestamp") else { throw .notAnEvent("no \"timestamp\"") }
        guard EventTypeRule.isValid(type) else { throw .invalidType(type) }
        var metadata: [String: JSONValue]?
        switch members["metadata"] {
        case nil, .null?: metadata = nil
        case .object(let object)?: metadata = object
        default: throw .notAnEvent("\"metadata\" is not an object")
        }
        let event = AnalyticsEvent(
            id: id, type: type, userID: try text("user_id"), sessionID: try text("session_id"), url: try text("url"),
            path: try text("path"), referrer: try text("referrer"), userAgent: try text("user_agent"),
            ipAddress: try text("ip_address"), metadata: metadata, timestamp: timestamp,
            clientTimestamp: try text("client_timestamp"))
        guard event.receivedAt != nil else { throw .invalidTimestamp(timestamp) }
        return event
    }
}

/// Why a record on the topic could not be used as an event.
public enum RecordDecodingError: Error, Equatable, Sendable, CustomStringConvertible {
    case notAnEvent(String)
    case invalidType(String)
    case invalidTimestamp(String)

    /// A short machine-friendly reason, used as a metric label.
    public var reason: String {
        switch self {
        case .notAnEvent: return "not_an_event"
        case .invalidType: return "invalid_type"
        case .invalidTimestamp: return "invalid_timestamp"
        }
    }

    public var description: String {
        switch self {
        case .notAnEvent(let detail): return "record is not an analytics event (\(detail))"
        case .invalidType(let type): return "record has an invalid event type \"\(type.prefix(80))\""
        case .invalidTimestamp(let value): return "record has an invalid server timestamp \"\(value.prefix(80))\""
        }
    }
}
