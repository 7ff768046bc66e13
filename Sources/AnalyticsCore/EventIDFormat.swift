import ASCIIText

/// Writes event ids: RFC 9562 UUID version 7 (48-bit Unix milliseconds, then 74 random bits), in
/// lowercase canonical form.
///
/// It exists apart from where the random bits come from (`EventIDSource`, the kernel's CSPRNG)
/// because the layout is pure and tested on its own. Version 7 ids sort by time, which suits logs
/// and storage; their random bits must be unpredictable, since every `202` shows one and the
/// consumer counts an id once: a client that could predict other clients' ids could suppress
/// their events by sending those ids first.
public enum EventIDFormat {
    /// The id of an event received at `milliseconds` since 1970, with 74 of the bits of `random`
    /// (12 of `random.high`, 62 of `random.low`).
    public static func uuidV7(milliseconds: UInt64, random: (high: UInt64, low: UInt64)) -> String {
        // 48 bits time | 4 bits version (7) | 12 bits random
        let high = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (random.high & 0x0FFF)
        // 2 bits variant (10) | 62 bits random
        let low = (random.low & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return format(high: high, low: low)
    }

    static func format(high: UInt64, low: UInt64) -> String {
        String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int, from shift: Int) {
                for index in 0..<nibbles {
                    buffer[position] = HexDigits.digit(UInt8(truncatingIfNeeded: value >> UInt64(shift - 4 * index)))
                    position += 1
                }
            }
            put(high, nibbles: 8, from: 60)
            buffer[position] = UInt8(ascii: "-")
            position += 1
            put(high, nibbles: 4, from: 28)
            buffer[position] = UInt8(ascii: "-")
            position += 1
            put(high, nibbles: 4, from: 12)
            buffer[position] = UInt8(ascii: "-")
            position += 1
            put(low, nibbles: 4, from: 60)
            buffer[position] = UInt8(ascii: "-")
            position += 1
            put(low, nibbles: 12, from: 44)
            return position
        }
    }
}
