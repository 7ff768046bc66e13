import Foundation

/// Checks an incoming event against the rules of design §4.
///
/// It exists so that nothing malformed ever reaches the topic: every rule gives a precise
/// `EventValidationError` naming the field, which the producer turns into a 400.
public struct EventValidator: Sendable {
    public let limits: EventLimits

    public init(limits: EventLimits = EventLimits()) {
        self.limits = limits
    }

    /// Parses and validates a request body holding one event object.
    ///
    /// It runs for every `POST /event`, so it visits the members in place: only the values of the
    /// members validation knows are kept, and no key strings are made.
    public func validate(body: [UInt8]) throws(EventValidationError) -> ValidatedEvent {
        guard !body.isEmpty else { throw .invalidJSON("the body is empty") }
        var fields = EventFields()
        let isObject: Bool
        do {
            isObject = try JSONParser.visitObjectMembers(body) { key, parser throws(JSONParser.SyntaxError) in
                let value = try parser.parseMemberValue()
                if let name = EventMemberName(key: key) { fields.set(name, value) }
            }
        } catch {
            throw .invalidJSON(error.description)
        }
        guard isObject else { throw .notAnObject }
        return try validate(fields: fields)
    }

    /// Parses a request body as JSON, with an error that says where it went wrong.
    public static func parse(_ body: [UInt8]) throws(EventValidationError) -> JSONValue {
        guard !body.isEmpty else { throw .invalidJSON("the body is empty") }
        do {
            return try JSONParser.parse(body)
        } catch {
            throw .invalidJSON(error.description)
        }
    }

    /// Validates one event given as the members of a JSON object.
    public func validate(object: [String: JSONValue]) throws(EventValidationError) -> ValidatedEvent {
        try validate(members: object.map { (key: $0.key, value: $0.value) })
    }

    /// Validates one event given as the members of a JSON object, in order (a later duplicate
    /// key wins, as in a dictionary). Unknown members are ignored.
    public func validate(members: [(key: String, value: JSONValue)]) throws(EventValidationError) -> ValidatedEvent {
        var fields = EventFields()
        for (key, value) in members { fields.set(key, value) }
        return try validate(fields: fields)
    }

    private func validate(fields: EventFields) throws(EventValidationError) -> ValidatedEvent {
        guard let typeValue = fields.type, typeValue != .null else { throw .missingType }
        guard case .string(let type) = typeValue else { throw .wrongType(field: "type", expected: "a string") }
        guard EventTypeRule.isValid(type) else { throw .invalidEventType(type) }

        var event = ValidatedEvent(type: type)
        if let id = try string(fields.id, "id", limit: limits.maxIdentifierLength) {
            guard let uuid = UUID(uuidString: id) else { throw .invalidID }
            event.id = uuid.uuidString.lowercased()
        }
        event.userID = try string(fields.userID, "user_id", limit: limits.maxIdentifierLength)
        event.sessionID = try string(fields.sessionID, "session_id", limit: limits.maxIdentifierLength)
        event.url = try string(fields.url, "url", limit: limits.maxURLLength)
        event.path = try string(fields.path, "path", limit: limits.maxURLLength)
        event.referrer = try string(fields.referrer, "referrer", limit: limits.maxURLLength)
        event.userAgent = try string(fields.userAgent, "user_agent", limit: limits.maxUserAgentLength)
        event.ipAddress = try string(fields.ipAddress, "ip_address", limit: 64)
        event.clientTimestamp = try string(fields.timestamp, "timestamp", limit: 64)
        if let site = try string(fields.site, "site", limit: SiteName.maxLength) {
            guard let normalized = SiteName.normalized(site) else { throw .invalidSite }
            event.site = normalized
        }

        if let url = event.url, !Self.isAbsoluteHTTPURL(url) { throw .invalidURL(field: "url") }
        if let referrer = event.referrer, !referrer.isEmpty, !Self.isAbsoluteHTTPURL(referrer) {
            throw .invalidURL(field: "referrer")
        }
        if let path = event.path, !path.hasPrefix("/") { throw .invalidPath }
        if let address = event.ipAddress, !IPAddressRule.isValid(address) { throw .invalidIPAddress }
        if let timestamp = event.clientTimestamp, RFC3339.parse(timestamp) == nil { throw .invalidTimestamp }
        event.metadata = try metadata(fields.metadata)
        return event
    }

    /// A string field: absent or null is nil, anything but a string is an error. Length is in
    /// characters; ASCII text is measured by its bytes without grapheme breaking.
    private func string(_ value: JSONValue?, _ field: String, limit: Int) throws(EventValidationError) -> String? {
        switch value {
        case nil, .null?: return nil
        case .string(let text)?:
            guard text.utf8.count <= limit || text.count <= limit else { throw .tooLong(field: field, limit: limit) }
            return text
        default: throw .wrongType(field: field, expected: "a string")
        }
    }

    private func metadata(_ value: JSONValue?) throws(EventValidationError) -> [String: JSONValue]? {
        switch value {
        case nil, .null?: return nil
        case .object(let members)?:
            guard members.count <= limits.maxMetadataKeys else {
                throw .metadataTooManyKeys(limit: limits.maxMetadataKeys)
            }
            guard JSONValue.object(members).depth <= limits.maxMetadataDepth else {
                throw .metadataTooDeep(limit: limits.maxMetadataDepth)
            }
            var writer = JSONWriter()
            writer.object(members)
            guard writer.bytes.count <= limits.maxMetadataBytes else {
                throw .metadataTooLarge(limit: limits.maxMetadataBytes)
            }
            try checkNumbers(in: members)
            return members
        default:
            throw .wrongType(field: "metadata", expected: "a JSON object")
        }
    }

    /// Every number in the metadata within its range: `load_time` (a number of milliseconds, the
    /// one value the statistics add up) and the magnitude every other number may have.
    private func checkNumbers(in members: [String: JSONValue]) throws(EventValidationError) {
        if let loadTime = members["load_time"], loadTime != .null {
            let range = limits.loadTimeMilliseconds
            guard let milliseconds = loadTime.doubleValue, range.contains(milliseconds) else {
                throw .outOfRange(
                    field: "metadata.load_time",
                    range: "a number of milliseconds from \(Int(range.lowerBound)) to \(Int(range.upperBound))")
            }
        }
        if let path = outOfRangePath(in: .object(members)) { throw outOfRange("metadata" + path) }
    }

    /// The path below `value` (`.cart.items[2]`; `""` for `value` itself) of its first number out
    /// of range, or nil. The path is only made for the number that fails: an event that passes,
    /// as nearly all do, allocates nothing here.
    private func outOfRangePath(in value: JSONValue) -> String? {
        switch value {
        case .integer(let number):
            return number.magnitude <= UInt64(limits.maxMetadataNumber) ? nil : ""
        case .number(let number):
            return number.magnitude <= limits.maxMetadataNumber ? nil : ""
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let path = outOfRangePath(in: element) { return "[\(index)]" + path }
            }
            return nil
        case .object(let members):
            for (key, member) in members {
                if let path = outOfRangePath(in: member) { return "." + Self.pathElement(key) + path }
            }
            return nil
        case .null, .bool, .string:
            return nil
        }
    }

    private func outOfRange(_ path: String) -> EventValidationError {
        let limit = Int64(limits.maxMetadataNumber)
        return .outOfRange(field: path, range: "a number from -\(limit) to \(limit)")
    }

    /// A metadata key as it is named in an error: at most 64 characters, so an error stays short.
    private static func pathElement(_ key: String) -> String {
        key.count <= 64 ? key : String(key.prefix(64)) + "…"
    }

    /// True for `http://host...` and `https://host...` with a non-empty host.
    public static func isAbsoluteHTTPURL(_ text: String) -> Bool {
        WebURL.isValid(text)
    }
}
