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

    mutating func set(_ key: String, _ value: JSONValue) {
        switch key {
        case "type": type = value
        case "id": id = value
        case "user_id": userID = value
        case "session_id": sessionID = value
        case "url": url = value
        case "path": path = value
        case "referrer": referrer = value
        case "user_agent": userAgent = value
        case "ip_address": ipAddress = value
        case "timestamp": timestamp = value
        case "metadata": metadata = value
        default: break
        }
    }
}
