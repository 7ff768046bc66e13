/// The members of an incoming event object that validation looks at, gathered in one pass.
///
/// Collecting them first keeps the order of checks (and so which error a client sees) fixed,
/// whatever order the client sent the keys in.
struct EventFields {
    var type: JSONValue?
    var id: JSONValue?
    var userID: JSONValue?
    var sessionID: JSONValue?
    var url: JSONValue?
    var path: JSONValue?
    var referrer: JSONValue?
    var userAgent: JSONValue?
    var ipAddress: JSONValue?
    var timestamp: JSONValue?
    var metadata: JSONValue?

    /// Sets the member `key` names; other keys are ignored.
    mutating func set(_ key: String, _ value: JSONValue) {
        var key = key
        guard let name = key.withUTF8({ EventMemberName(key: UnsafeRawBufferPointer($0)) }) else { return }
        set(name, value)
    }

    /// Sets the member `name` names; `client_timestamp` is a record's, not a request's, and ignored.
    mutating func set(_ name: EventMemberName, _ value: JSONValue) {
        switch name {
        case .type: type = value
        case .id: id = value
        case .userID: userID = value
        case .sessionID: sessionID = value
        case .url: url = value
        case .path: path = value
        case .referrer: referrer = value
        case .userAgent: userAgent = value
        case .ipAddress: ipAddress = value
        case .timestamp: timestamp = value
        case .metadata: metadata = value
        case .clientTimestamp: break
        }
    }
}
