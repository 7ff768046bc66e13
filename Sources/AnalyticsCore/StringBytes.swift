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
