/// Why an incoming event was rejected, in words a web developer can act on.
///
/// Each case maps to one rule of design §4; `field` names the offending field so the HTTP
/// error body can carry it.
public enum EventValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidJSON(String)
    case notAnObject
    case missingType
    case wrongType(field: String, expected: String)
    case invalidEventType(String)
    case tooLong(field: String, limit: Int)
    case invalidURL(field: String)
    case invalidPath
    case invalidIPAddress
    case invalidID
    case invalidTimestamp
    case invalidSite
    case metadataTooManyKeys(limit: Int)
    case metadataTooDeep(limit: Int)
    case metadataTooLarge(limit: Int)
    /// A number outside its range; `field` is its path (`metadata.load_time`), `range` says the
    /// allowed values in words.
    case outOfRange(field: String, range: String)

    /// The field at fault, when there is one.
    public var field: String? {
        switch self {
        case .invalidJSON, .notAnObject: return nil
        case .missingType, .invalidEventType: return "type"
        case .wrongType(let field, _), .tooLong(let field, _), .invalidURL(let field): return field
        case .invalidPath: return "path"
        case .invalidIPAddress: return "ip_address"
        case .invalidID: return "id"
        case .invalidTimestamp: return "timestamp"
        case .invalidSite: return "site"
        case .metadataTooManyKeys, .metadataTooDeep, .metadataTooLarge: return "metadata"
        case .outOfRange(let field, _): return field
        }
    }

    /// A short label for metrics (`events_rejected_total{reason=...}`).
    public var reason: String {
        switch self {
        case .invalidJSON: return "invalid_json"
        case .notAnObject: return "not_an_object"
        case .missingType: return "missing_type"
        case .wrongType: return "wrong_type"
        case .invalidEventType: return "invalid_type"
        case .tooLong: return "too_long"
        case .invalidURL: return "invalid_url"
        case .invalidPath: return "invalid_path"
        case .invalidIPAddress: return "invalid_ip_address"
        case .invalidID: return "invalid_id"
        case .invalidTimestamp: return "invalid_timestamp"
        case .invalidSite: return "invalid_site"
        case .metadataTooManyKeys, .metadataTooDeep, .metadataTooLarge: return "invalid_metadata"
        case .outOfRange: return "out_of_range"
        }
    }

    public var description: String {
        switch self {
        case .invalidJSON(let detail): return "request body is not valid JSON: \(detail)"
        case .notAnObject: return "an event must be a JSON object"
        case .missingType: return "\"type\" is required"
        case .wrongType(let field, let expected): return "\"\(field)\" must be \(expected)"
        case .invalidEventType: return EventTypeRule.description
        case .tooLong(let field, let limit): return "\"\(field)\" must be at most \(limit) characters"
        case .invalidURL(let field): return "\"\(field)\" must be an absolute http or https URL"
        case .invalidPath: return "\"path\" must start with \"/\""
        case .invalidIPAddress: return "\"ip_address\" must be an IPv4 or IPv6 address"
        case .invalidID: return "\"id\" must be a UUID such as 0f8fad5b-d9cb-469f-a165-70867728950e"
        case .invalidTimestamp:
            return "\"timestamp\" must be an RFC 3339 date-time such as 2026-11-28T12:00:00Z"
        case .invalidSite: return "\"site\" must be " + SiteName.rule
        case .metadataTooManyKeys(let limit): return "\"metadata\" must have at most \(limit) keys"
        case .metadataTooDeep(let limit): return "\"metadata\" must be nested at most \(limit) levels deep"
        case .metadataTooLarge(let limit): return "\"metadata\" must be at most \(limit) bytes as JSON"
        case .outOfRange(let field, let range): return "\"\(field)\" must be \(range)"
        }
    }
}
