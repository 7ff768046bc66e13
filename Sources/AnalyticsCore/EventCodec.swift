import Foundation

/// Encodes events for the Kafka record value and decodes them back on the consumer side.
///
/// One place owns the wire format so that producer and consumer cannot drift apart: UTF-8 JSON,
/// one object, keys sorted so identical events produce identical bytes.
public struct EventCodec: Sendable {
    public init() {}

    /// The record value for `event`.
    public func encode(_ event: AnalyticsEvent) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(event))
    }

    /// Decodes a record value, checking what the consumer relies on (a type and a server timestamp).
    public func decode(_ bytes: [UInt8]) throws(RecordDecodingError) -> AnalyticsEvent {
        let event: AnalyticsEvent
        do {
            event = try JSONDecoder().decode(AnalyticsEvent.self, from: Data(bytes))
        } catch {
            throw .notAnEvent(String(describing: error).prefix(200).description)
        }
        guard EventTypeRule.isValid(event.type) else { throw .invalidType(event.type) }
        guard event.receivedAt != nil else { throw .invalidTimestamp(event.timestamp) }
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
        case .notAnEvent(let detail): return "record is not an analytics event JSON object (\(detail))"
        case .invalidType(let type): return "record has an invalid event type \"\(type.prefix(80))\""
        case .invalidTimestamp(let value): return "record has an invalid server timestamp \"\(value.prefix(80))\""
        }
    }
}
