/// Byte-level ASCII rules shared by the HTTP parser, the producer's routes and the event model:
/// case-insensitive comparison and HTTP's optional whitespace (spaces and tabs).
///
/// It exists so each rule is written once. Everything is `@inlinable` and allocation-free, since
/// header parsing and the user-agent matcher call it for every byte they look at.
public enum ASCII {
    /// Whether the byte is a space or a tab: HTTP's optional whitespace (RFC 9110 §5.6.3).
    @inlinable
    public static func isSpaceOrTab(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09
    }

    /// Whether two byte runs are equal when ASCII letters are compared without case; other bytes
    /// must be identical.
    @inlinable
    public static func equalIgnoringCase(_ lhs: some Collection<UInt8>, _ rhs: some Collection<UInt8>) -> Bool {
        guard lhs.count == rhs.count else { return false }
        // Strings and buffers lend their bytes: compared by index, without iterators.
        let lent = lhs.withContiguousStorageIfAvailable { left in
            rhs.withContiguousStorageIfAvailable { right in
                for index in 0..<left.count where left[index].asciiLowercased != right[index].asciiLowercased {
                    return false
                }
                return true
            }
        }
        if let lent, let lent { return lent }
        var right = rhs.makeIterator()
        for left in lhs {
            guard let other = right.next(), left.asciiLowercased == other.asciiLowercased else { return false }
        }
        return true
    }

    /// Whether `bytes` begins with `prefix` when ASCII letters are compared without case.
    @inlinable
    public static func hasPrefix(_ bytes: some Collection<UInt8>, ignoringCase prefix: some Collection<UInt8>) -> Bool {
        guard bytes.count >= prefix.count else { return false }
        return equalIgnoringCase(bytes.prefix(prefix.count), prefix)
    }
}
