/// Lowercase hexadecimal digits: of a nibble, of a 64-bit number (always 16, zeros in front), of
/// a run of bytes (two each).
///
/// It exists so event ids, visitor ids, salts, login cookies, entity tags and JSON escapes all
/// spell numbers one way, without `String(radix:)` and the padding each added around it.
public enum HexDigits {
    /// The digit of the low four bits of `nibble` (`0`–`9`, `a`–`f`).
    @inlinable
    public static func digit(_ nibble: UInt8) -> UInt8 {
        let value = nibble & 0xF
        return value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }

    /// `value` as 16 digits, leading zeros included.
    @inlinable
    public static func sixteen(_ value: UInt64) -> String {
        String(unsafeUninitializedCapacity: 16) { buffer in
            for index in 0..<16 { buffer[index] = digit(UInt8(truncatingIfNeeded: value >> UInt64(60 - 4 * index))) }
            return 16
        }
    }

    /// Two digits for each byte, in order.
    @inlinable
    public static func of(_ bytes: some Collection<UInt8>) -> String {
        String(unsafeUninitializedCapacity: bytes.count * 2) { buffer in
            var position = 0
            for byte in bytes {
                buffer[position] = digit(byte >> 4)
                buffer[position + 1] = digit(byte)
                position += 2
            }
            return position
        }
    }
}
