import ASCIIText

/// Header fields in the order they were received or added, looked up case-insensitively.
///
/// Order is kept because it is visible on the wire and in tests; lookups are linear, which is
/// faster than hashing for the handful of headers a request carries.
public struct HTTPHeaders: Sendable, Equatable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.elementsEqual(rhs.fields) { $0.name == $1.name && $0.value == $1.value }
    }

    public mutating func reserveCapacity(_ count: Int) {
        fields.reserveCapacity(count)
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field called `name` with one holding `value`.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        add(name, value)
    }

    public mutating func remove(_ name: String) {
        guard fields.contains(where: { Self.same($0.name, name) }) else { return }
        fields.removeAll { Self.same($0.name, name) }
    }

    /// The first value of `name`.
    public subscript(_ name: String) -> String? {
        fields.first { Self.same($0.name, name) }?.value
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { Self.same($0.name, name) }.map(\.value)
    }

    /// Every value of `name` joined by `, ` (the list form RFC 9110 §5.3 makes them equal to), or
    /// nil when there is none.
    public func combined(_ name: String) -> String? {
        let all = values(name)
        return all.isEmpty ? nil : all.joined(separator: ", ")
    }

    /// The comma-separated tokens of every `name` field, lowercased (`Connection`, `Transfer-Encoding`).
    public func tokens(_ name: String) -> [String] {
        values(name).flatMap { $0.split(separator: ",") }.map {
            $0.trimmingSpacesAndTabs.asciiLowercased
        }.filter { !$0.isEmpty }
    }

    public func contains(_ name: String) -> Bool {
        self[name] != nil
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// ASCII case-insensitive equality, without allocating (header names are ASCII tokens).
    static func same(_ lhs: String, _ rhs: String) -> Bool {
        guard lhs.utf8.count == rhs.utf8.count else { return false }
        // Native strings (all that the parser makes) lend their bytes; others compare by iterating.
        let compared = lhs.utf8.withContiguousStorageIfAvailable { left in
            rhs.utf8.withContiguousStorageIfAvailable { right in
                same(UnsafeRawBufferPointer(left), UnsafeRawBufferPointer(right))
            }
        }
        if let compared, let compared { return compared }
        return ASCII.equalIgnoringCase(lhs.utf8, rhs.utf8)
    }

    /// ASCII case-insensitive equality of raw bytes and a name.
    static func same(_ lhs: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        same(lhs, UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    static func same(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        ASCII.equalIgnoringCase(lhs, rhs)
    }
}
