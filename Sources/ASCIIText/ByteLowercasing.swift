extension UInt8 {
    /// The byte with an ASCII capital letter made small; every other byte (non-ASCII too) as it is.
    @inlinable
    public var asciiLowercased: UInt8 { self >= 0x41 && self <= 0x5A ? self | 0x20 : self }
}
