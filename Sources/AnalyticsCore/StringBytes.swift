import ASCIIText

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

extension UnsafeBufferPointer<UInt8> {
    /// Whether the bytes begin with `name` (lowercase ASCII) in any case, without making a string.
    func hasPrefix(ignoringCase name: StaticString) -> Bool {
        ASCII.hasPrefix(self, ignoringCase: UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }

    /// Whether the bytes spell `name` (lowercase ASCII) in any case.
    func spells(ignoringCase name: StaticString) -> Bool {
        ASCII.equalIgnoringCase(self, UnsafeBufferPointer(start: name.utf8Start, count: name.utf8CodeUnitCount))
    }
}
