import Foundation

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
        if event.isBot {
            writer.memberKey("bot", first: &first)
            writer.raw("true")
        }
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
        writer.member("visitor_id", event.visitorID, first: &first)
        writer.raw("}")
        return writer.bytes
    }

    /// Decodes a record value, checking what the consumer relies on (an id, a valid type and a
    /// server timestamp).
    ///
    /// It runs for every record the consumer reads, so it visits the members in place (no members
    /// array, no key strings): a later duplicate key wins; a member of the wrong type is reported
    /// once the whole record is known to be JSON, the first one in record order.
    public func decode(_ bytes: [UInt8]) throws(RecordDecodingError) -> AnalyticsEvent {
        let result: Result<AnalyticsEvent, RecordDecodingError> = bytes.withUnsafeBytes { buffer in
            do throws(RecordDecodingError) {
                return .success(try decodeStamped(buffer).event)
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    /// `decode`, also returning the server timestamp as the `Date` it checked, so the consumer
    /// parses it once per record.
    ///
    /// With `keepingMetadata` false the event's `metadata` stays nil and only its `load_time` is
    /// read, as `loadTime`: the statistics read nothing else of it, and building its dictionary
    /// was over a quarter of decoding a record. With true, `loadTime` is nil (it is in `metadata`).
    public func decodeStamped(_ bytes: UnsafeRawBufferPointer, keepingMetadata: Bool = true) throws(RecordDecodingError)
        -> (event: AnalyticsEvent, receivedAt: Date, loadTime: Double?)
    {
        var fields = EventMembers<String>()  // the text members: no array per record
        var metadata: [String: JSONValue]?
        var loadTime: Double?
        var wrongType: RecordDecodingError?
        var isBot = false
        let isObject: Bool
        do {
            isObject = try JSONParser.visitObjectMembers(bytes) { key, parser throws(JSONParser.SyntaxError) in
                guard let name = EventMemberName(key: key) else {
                    _ = try parser.parseMemberValue()
                    return
                }
                if name == .bot {
                    isBot = try parser.parseMemberValue() == .bool(true)
                    return
                }
                if name == .metadata {
                    if keepingMetadata {
                        switch try parser.parseMemberValue() {
                        case .null: metadata = nil
                        case .object(let object): metadata = object
                        default: if wrongType == nil { wrongType = .notAnEvent("\"metadata\" is not an object") }
                        }
                        return
                    }
                    // A later "metadata" replaces an earlier one, as it would in a dictionary.
                    loadTime = nil
                    let found = try parser.visitMemberObject { key, parser throws(JSONParser.SyntaxError) in
                        let value = try parser.parseMemberValue()
                        if JSONParser.key(key, is: "load_time") { loadTime = value.doubleValue }
                    }
                    if found == .other, wrongType == nil { wrongType = .notAnEvent("\"metadata\" is not an object") }
                    return
                }
                switch try parser.parseTextMember() {
                case .text(let text): fields.set(name, text)
                case .null: fields.set(name, nil)
                case .other:
                    if wrongType == nil {
                        wrongType = .notAnEvent("\"\(String(decoding: key, as: UTF8.self))\" is not a string")
                    }
                }
            }
        } catch {
            throw .notAnEvent("not JSON: \(error.description)")
        }
        guard isObject else { throw .notAnEvent("not a JSON object") }
        if let wrongType { throw wrongType }
        // Each string is taken out of `fields` (`take()`), moved rather than copied into the event.
        guard let id = fields.id.take() else { throw .notAnEvent("no \"id\"") }
        guard let type = fields.type.take() else { throw .notAnEvent("no \"type\"") }
        guard let timestamp = fields.timestamp.take() else { throw .notAnEvent("no \"timestamp\"") }
        guard EventTypeRule.isValid(type) else { throw .invalidType(type) }
        guard let receivedAt = RFC3339.parse(timestamp) else { throw .invalidTimestamp(timestamp) }
        let event = AnalyticsEvent(
            id: id, type: type, userID: fields.userID.take(), sessionID: fields.sessionID.take(),
            url: fields.url.take(), path: fields.path.take(), referrer: fields.referrer.take(),
            userAgent: fields.userAgent.take(), ipAddress: fields.ipAddress.take(), metadata: metadata.take(),
            timestamp: timestamp, clientTimestamp: fields.clientTimestamp.take(), visitorID: fields.visitorID.take(),
            isBot: isBot)
        return (event, receivedAt, loadTime)
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
