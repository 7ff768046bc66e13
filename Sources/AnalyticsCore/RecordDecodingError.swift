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
