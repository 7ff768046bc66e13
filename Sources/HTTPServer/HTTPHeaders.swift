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
            $0.trimmingOptionalWhitespace().lowercased()
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
        return zip(lhs.utf8, rhs.utf8).allSatisfy { sameByte($0, $1) }
    }

    /// ASCII case-insensitive equality of raw bytes and a name.
    static func same(_ lhs: UnsafeRawBufferPointer, _ name: StaticString) -> Bool {
        same(lhs, UnsafeRawBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    static func same(_ lhs: UnsafeRawBufferPointer, _ rhs: UnsafeRawBufferPointer) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in 0..<lhs.count where !sameByte(lhs[index], rhs[index]) { return false }
        return true
    }

    private static func sameByte(_ left: UInt8, _ right: UInt8) -> Bool {
        left == right || (left | 0x20 == right | 0x20 && (left | 0x20) >= 0x61 && (left | 0x20) <= 0x7A)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs (HTTP's optional whitespace).
    func trimmingOptionalWhitespace() -> String {
        var slice = Substring(self)
        while let first = slice.utf8.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.utf8.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return String(slice)
    }
}
