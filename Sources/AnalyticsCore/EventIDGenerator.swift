/// Generates event ids: RFC 9562 UUID version 7 (48-bit Unix milliseconds, then random bits).
///
/// It exists because Foundation's `UUID()` opened `/dev/urandom` on every call here, a system
/// call pair per event. Version 7 ids also sort by time, which suits logs and storage. The random
/// bits come from xoshiro256**, seeded once from the system's generator: ids must be unique, not
/// secret (a client may choose its own id anyway).
public struct EventIDGenerator: Sendable {
    private var state: (UInt64, UInt64, UInt64, UInt64)

    public init() {
        var system = SystemRandomNumberGenerator()
        self.init(seed: (system.next(), system.next(), system.next(), system.next()))
    }

    /// A generator with a fixed seed, for tests.
    public init(seed: (UInt64, UInt64, UInt64, UInt64)) {
        state = seed
        if state == (0, 0, 0, 0) { state.0 = 0x9E37_79B9_7F4A_7C15 }
    }

    /// The next id for an event received at `milliseconds` since 1970, in lowercase canonical form.
    public mutating func next(milliseconds: UInt64) -> String {
        let random = nextRandom()
        let more = nextRandom()
        // 48 bits time | 4 bits version (7) | 12 bits random
        let high = (milliseconds & 0xFFFF_FFFF_FFFF) << 16 | 0x7000 | (random & 0x0FFF)
        // 2 bits variant (10) | 62 bits random
        let low = (more & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        return Self.format(high: high, low: low)
    }

    private mutating func nextRandom() -> UInt64 {
        let result = rotate(state.1 &* 5, 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = rotate(state.3, 45)
        return result
    }

    private func rotate(_ value: UInt64, _ count: UInt64) -> UInt64 {
        (value << count) | (value >> (64 - count))
    }

    static func format(high: UInt64, low: UInt64) -> String {
        let digits: [UInt8] = Array("0123456789abcdef".utf8)
        return String(unsafeUninitializedCapacity: 36) { buffer in
            var position = 0
            func put(_ value: UInt64, nibbles: Int, from shift: Int) {
                for index in 0..<nibbles {
                    buffer[position] = digits[Int((value >> UInt64(shift - 4 * index)) & 0xF)]
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
