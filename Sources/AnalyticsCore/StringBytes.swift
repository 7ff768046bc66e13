extension String {
    /// Calls `body` with the string's UTF-8 bytes where the string keeps them.
    ///
    /// It exists because `withUTF8` is mutating: called on a copy of a string, as a non-mutating
    /// reader must, it retains and later releases the string, atomically, and on the consumer's
    /// hot paths those are strings another thread has just made. A string without contiguous
    /// UTF-8 storage (bridged, never on Linux) is copied first.
    func withUTF8InPlace<Result>(_ body: (UnsafeBufferPointer<UInt8>) throws -> Result) rethrows -> Result {
        if let result = try utf8.withContiguousStorageIfAvailable(body) { return result }
        var copy = self
        return try copy.withUTF8(body)
    }
}

extension String {
    /// The longest start of the string of at most `limit` UTF-8 bytes that ends on a whole
    /// Unicode scalar: a byte bound, where `prefix(_:)` counts characters of any size.
    func prefix(utf8Bytes limit: Int) -> String {
        guard utf8.count > limit else { return self }
        var end = utf8.index(startIndex, offsetBy: max(limit, 0))
        while end > startIndex && end.samePosition(in: unicodeScalars) == nil { end = utf8.index(before: end) }
        return String(self[..<end])
    }
}

extension Substring {
    /// The text without leading and trailing spaces and tabs (HTTP's optional whitespace).
    var trimmingSpacesAndTabs: Substring {
        var slice = self
        while let first = slice.utf8.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.utf8.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }
}

extension Sequence<UInt8> {
    /// The bytes as text safe in a JSON string, a header or a log line: printable ASCII kept,
    /// every other byte `?`.
    var printableASCII: String {
        String(decoding: map { $0 >= 0x20 && $0 < 0x7F ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
    }
}

extension UInt8 {
    /// The byte with an ASCII capital letter made small; every other byte as it is.
    var asciiLowercased: UInt8 { self >= 0x41 && self <= 0x5A ? self | 0x20 : self }
}

extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes begin with `name` (lowercase ASCII) in any case, without making a string.
    func hasPrefix(ignoringCase name: StaticString) -> Bool {
        guard count >= name.utf8CodeUnitCount else { return false }
        for index in 0..<name.utf8CodeUnitCount where self[index].asciiLowercased != name.utf8Start[index] {
            return false
        }
        return true
    }

    /// Whether the bytes spell `name` (lowercase ASCII) in any case.
    func spells(ignoringCase name: StaticString) -> Bool {
        count == name.utf8CodeUnitCount && hasPrefix(ignoringCase: name)
    }
}
