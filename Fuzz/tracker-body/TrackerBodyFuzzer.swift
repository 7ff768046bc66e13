// libFuzzer target for the tracker's body: the JSON text `navigator.sendBeacon` posts to
// `POST /event` as `text/plain` (the content type only decides that the body is read; its bytes go
// to `EventValidator.validate(body:)` like a JSON body's).
//
// Properties checked on every input, beyond "does not crash":
// - the single-event path, which visits the members in place without building them, and the batch
//   path, which parses the whole value first, agree: the same event, or a refusal for the same
//   reason and field;
// - an accepted event is within `EventLimits`: identifiers, URLs, user agent, metadata keys, depth
//   and size; its type is a valid one and its `ip_address` only the characters of an address.
import AnalyticsCore

private let validator = EventValidator()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrackerBody(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let body = Array(UnsafeBufferPointer(start: data, count: size))
    let single = Result { () throws(EventValidationError) in try validator.validate(body: body) }
    let batch = Result { () throws(EventValidationError) in
        guard case .object(let members) = try EventValidator.parse(body) else { throw .notAnObject }
        return try validator.validate(object: members)
    }
    switch (single, batch) {
    case (.success(let event), .success(let same)):
        check(event == same, "the single path read \(event), the batch path \(same)")
        checkLimits(event)
    case (.failure(let error), .failure(let same)):
        check(
            error.reason == same.reason && error.field == same.field,
            "the single path refused with \(error), the batch path with \(same)")
    default:
        fatalError("the single path gave \(single), the batch path \(batch)")
    }
    return 0
}

private func checkLimits(_ event: ValidatedEvent) {
    let limits = validator.limits
    check(EventTypeRule.isValid(event.type), "accepted the type \(event.type)")
    for (name, value, limit) in [
        ("id", event.id, limits.maxIdentifierLength), ("user_id", event.userID, limits.maxIdentifierLength),
        ("session_id", event.sessionID, limits.maxIdentifierLength), ("url", event.url, limits.maxURLLength),
        ("path", event.path, limits.maxURLLength), ("referrer", event.referrer, limits.maxURLLength),
        ("user_agent", event.userAgent, limits.maxUserAgentLength),
    ] {
        check((value?.count ?? 0) <= limit, "accepted a \(name) of \(value?.count ?? 0) characters, over \(limit)")
    }
    if let address = event.ipAddress {
        check(
            address.allSatisfy { $0.isASCII && ($0.isHexDigit || $0 == "." || $0 == ":") },
            "accepted the ip_address \(address.debugDescription)")
    }
    guard let metadata = event.metadata else { return }
    var writer = JSONWriter()
    writer.object(metadata)
    check(metadata.count <= limits.maxMetadataKeys, "accepted metadata with \(metadata.count) keys")
    check(JSONValue.object(metadata).depth <= limits.maxMetadataDepth, "accepted metadata nested too deep")
    check(writer.bytes.count <= limits.maxMetadataBytes, "accepted metadata of \(writer.bytes.count) bytes")
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
