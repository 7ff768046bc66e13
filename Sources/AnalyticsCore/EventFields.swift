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

    /// The members validation knows, by their key in the event object.
    enum Name {
        case type, id, userID, sessionID, url, path, referrer, userAgent, ipAddress, timestamp, metadata

        /// The member a key's UTF-8 bytes name, if validation knows it; compared as bytes, so
        /// the request path makes no key strings.
        init?(key: UnsafeRawBufferPointer) {
            switch key.count {
            case 2 where JSONParser.key(key, is: "id"): self = .id
            case 3 where JSONParser.key(key, is: "url"): self = .url
            case 4 where JSONParser.key(key, is: "type"): self = .type
            case 4 where JSONParser.key(key, is: "path"): self = .path
            case 7 where JSONParser.key(key, is: "user_id"): self = .userID
            case 8 where JSONParser.key(key, is: "referrer"): self = .referrer
            case 8 where JSONParser.key(key, is: "metadata"): self = .metadata
            case 9 where JSONParser.key(key, is: "timestamp"): self = .timestamp
            case 10 where JSONParser.key(key, is: "session_id"): self = .sessionID
            case 10 where JSONParser.key(key, is: "user_agent"): self = .userAgent
            case 10 where JSONParser.key(key, is: "ip_address"): self = .ipAddress
            default: return nil
            }
        }
    }

    /// Sets the member `key` names; other keys are ignored.
    mutating func set(_ key: String, _ value: JSONValue) {
        var key = key
        guard let name = key.withUTF8({ Name(key: UnsafeRawBufferPointer($0)) }) else { return }
        set(name, value)
    }

    mutating func set(_ name: Name, _ value: JSONValue) {
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
        }
    }
}
