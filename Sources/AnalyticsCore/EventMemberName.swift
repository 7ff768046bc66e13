/// The member names of an event object, as a request carries them and as a record on the topic
/// carries them (`client_timestamp`, `visitor_id`, `country` and `bot` only on the topic: the
/// producer ignores them in a request), matched against a key's UTF-8 bytes.
///
/// It exists so that both hot paths, validating a request and decoding a record, name members
/// without making a string per key, from one table.
enum EventMemberName {
    case id, type, timestamp, clientTimestamp, userID, sessionID, url, path, referrer, userAgent, ipAddress, metadata,
        visitorID, bot, site, country

    /// The member a key's bytes name, if it is one. Compared as bytes against static strings: a
    /// table of arrays cost a retain and a release per comparison.
    init?(key: UnsafeRawBufferPointer) {
        switch key.count {
        case 2 where JSONParser.key(key, is: "id"): self = .id
        case 3 where JSONParser.key(key, is: "url"): self = .url
        case 3 where JSONParser.key(key, is: "bot"): self = .bot
        case 4 where JSONParser.key(key, is: "type"): self = .type
        case 4 where JSONParser.key(key, is: "path"): self = .path
        case 4 where JSONParser.key(key, is: "site"): self = .site
        case 7 where JSONParser.key(key, is: "country"): self = .country
        case 7 where JSONParser.key(key, is: "user_id"): self = .userID
        case 8 where JSONParser.key(key, is: "referrer"): self = .referrer
        case 8 where JSONParser.key(key, is: "metadata"): self = .metadata
        case 9 where JSONParser.key(key, is: "timestamp"): self = .timestamp
        case 10 where JSONParser.key(key, is: "session_id"): self = .sessionID
        case 10 where JSONParser.key(key, is: "user_agent"): self = .userAgent
        case 10 where JSONParser.key(key, is: "ip_address"): self = .ipAddress
        case 10 where JSONParser.key(key, is: "visitor_id"): self = .visitorID
        case 16 where JSONParser.key(key, is: "client_timestamp"): self = .clientTimestamp
        default: return nil
        }
    }
}

/// One value per event member, set by name: what validating a request gathers (`JSONValue`) and
/// what decoding a record gathers (`RecordText`, in place). Each reads the members it needs; a request's
/// `client_timestamp` and a record's `metadata` (read apart) are never read.
struct EventMembers<Value> {
    var id, type, timestamp, clientTimestamp, userID, sessionID, url, path, referrer, userAgent, ipAddress,
        metadata, visitorID, site, country: Value?

    /// Sets the member `name` names.
    mutating func set(_ name: EventMemberName, _ value: consuming Value?) {
        switch name {
        case .id: id = value
        case .type: type = value
        case .timestamp: timestamp = value
        case .clientTimestamp: clientTimestamp = value
        case .userID: userID = value
        case .sessionID: sessionID = value
        case .url: url = value
        case .path: path = value
        case .referrer: referrer = value
        case .userAgent: userAgent = value
        case .ipAddress: ipAddress = value
        case .metadata: metadata = value
        case .visitorID: visitorID = value
        case .site: site = value
        case .country: country = value
        case .bot: break  // a flag, read apart by the decoder
        }
    }
}
