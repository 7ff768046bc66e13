/// SipHash-2-4 (Aumasson and Bernstein), a keyed pseudorandom function: without the 128-bit key
/// its output cannot be predicted or inverted, which is what makes a daily-salted visitor id
/// impossible to recompute once the day's salt is gone (the construction Plausible uses).
///
/// Swift's `Hasher` is SipHash too but with a per-process seed that cannot be set, so every
/// producer of a deployment could not agree on it.
public struct SipHash24: Sendable {
    private var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64
    private var tail: UInt64 = 0
    private var tailCount = 0
    private var length = 0

    /// `key` is 16 bytes (k0 and k1, little-endian).
    public init(key: [UInt8]) {
        precondition(key.count == 16, "SipHash takes a 16-byte key")
        let k0 = Self.littleEndian(key, at: 0)
        let k1 = Self.littleEndian(key, at: 8)
        v0 = k0 ^ 0x736f_6d65_7073_6575
        v1 = k1 ^ 0x646f_7261_6e64_6f6d
        v2 = k0 ^ 0x6c79_6765_6e65_7261
        v3 = k1 ^ 0x7465_6462_7974_6573
    }

    public mutating func combine(_ bytes: some Sequence<UInt8>) {
        if bytes.withContiguousStorageIfAvailable({ combine(UnsafeRawBufferPointer($0)) }) != nil { return }
        for byte in bytes { combine(byte) }
    }

    /// Whole 8-byte words go straight to the compression function; only the ends go byte by byte.
    public mutating func combine(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while tailCount != 0 && offset < bytes.count {
            combine(bytes[offset])
            offset += 1
        }
        while bytes.count - offset >= 8 {
            compress(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)))
            offset += 8
            length += 8
        }
        while offset < bytes.count {
            combine(bytes[offset])
            offset += 1
        }
    }

    /// The UTF-8 of `text`, read where the string keeps it.
    public mutating func combine(utf8 text: String) {
        text.withUTF8InPlace { combine(UnsafeRawBufferPointer($0)) }
    }

    public mutating func combine(_ byte: UInt8) {
        tail |= UInt64(byte) << (8 * UInt64(tailCount))
        tailCount += 1
        length += 1
        if tailCount == 8 {
            compress(tail)
            tail = 0
            tailCount = 0
        }
    }

    public consuming func finalize() -> UInt64 {
        compress(tail | (UInt64(truncatingIfNeeded: length) << 56))
        v2 ^= 0xFF
        for _ in 0..<4 { round() }
        return v0 ^ v1 ^ v2 ^ v3
    }

    private mutating func compress(_ block: UInt64) {
        v3 ^= block
        round()
        round()
        v0 ^= block
    }

    private mutating func round() {
        v0 &+= v1
        v1 = v1.rotatedLeft(13) ^ v0
        v0 = v0.rotatedLeft(32)
        v2 &+= v3
        v3 = v3.rotatedLeft(16) ^ v2
        v0 &+= v3
        v3 = v3.rotatedLeft(21) ^ v0
        v2 &+= v1
        v1 = v1.rotatedLeft(17) ^ v2
        v2 = v2.rotatedLeft(32)
    }

    private static func littleEndian(_ bytes: [UInt8], at offset: Int) -> UInt64 {
        (0..<8).reduce(0) { $0 | UInt64(bytes[offset + $1]) << (8 * UInt64($1)) }
    }
}

extension UInt64 {
    fileprivate func rotatedLeft(_ count: UInt64) -> UInt64 { (self << count) | (self >> (64 - count)) }
}
