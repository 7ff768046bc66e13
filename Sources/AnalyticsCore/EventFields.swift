/// The members of an incoming event object that validation looks at, gathered in one pass.
///
/// Collecting them first keeps the order of checks (and so which error a client sees) fixed,
/// whatever order the client sent the keys in.
typealias EventFields = EventMembers<JSONValue>

extension EventMembers<JSONValue> {
    /// Sets the member `key` names; other keys are ignored.
    mutating func set(_ key: String, _ value: JSONValue) {
        guard let name = key.withUTF8InPlace({ EventMemberName(key: UnsafeRawBufferPointer($0)) }) else { return }
        set(name, value)
    }
}
