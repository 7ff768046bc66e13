extension UInt8 {
    /// The byte with an ASCII capital letter made small; every other byte (non-ASCII too) as it is.
    @inlinable
    public var asciiLowercased: UInt8 { self >= 0x41 && self <= 0x5A ? self | 0x20 : self }
}

extension StringProtocol {
    /// The text with ASCII capital letters made small and every other byte kept.
    ///
    /// Protocol words (header tokens, codings, schemes, host names) are compared with this, never
    /// with `lowercased()`: Unicode case mapping turns the Kelvin sign into a `k`, so
    /// `chun\u{212A}ed` would pass for `chunked` where a proxy in front sees an unknown coding.
    @inlinable
    public var asciiLowercased: String {
        // Written in place: up to 15 bytes (every protocol word) make a small string, no allocation.
        String(unsafeUninitializedCapacity: utf8.count) { buffer in
            for (index, byte) in utf8.enumerated() { buffer[index] = byte.asciiLowercased }
            return buffer.count
        }
    }
}
