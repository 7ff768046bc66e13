import ASCIIText
import Foundation

/// Counts distinct strings in fixed memory: exact while small, then a HyperLogLog sketch.
///
/// It exists because an exact set of every user id grows without limit on a busy site. With the
/// default precision of 14 (16,384 one-byte registers, 16 KiB) the standard error is
/// 1.04 / √16384 ≈ 0.81%; below `exactLimit` distinct values the count is exact. Hashing is
/// deterministic (FNV-1a 64 with a MurmurHash3 finaliser), so sketches built in different
/// processes can be merged: the union's estimate is the merge of the sketches.
public struct HyperLogLog: Sendable, Equatable {
    /// Number of index bits; 2^precision registers.
    public let precision: Int
    /// Distinct values counted exactly before switching to registers.
    public let exactLimit: Int
    private var exact: Set<UInt64>? = []
    private var registers: [UInt8] = []

    public init(precision: Int = 14, exactLimit: Int = 2048) {
        self.precision = min(max(precision, 4), 18)
        self.exactLimit = max(0, exactLimit)
    }

    /// The relative standard error of the sketch once it has left exact mode.
    public var standardError: Double { 1.04 / Double(1 << precision).squareRoot() }

    public mutating func insert(_ value: String) {
        insert(hash: Self.hash(value))
    }

    mutating func insert(hash: UInt64) {
        if exact != nil {
            exact?.insert(hash)
            if (exact?.count ?? 0) > exactLimit { spill() }
            return
        }
        let index = Int(hash >> UInt64(64 - precision))
        let rest = (hash << UInt64(precision)) | (1 << UInt64(precision - 1))  // guard against all-zero
        let rank = UInt8(rest.leadingZeroBitCount + 1)
        if rank > registers[index] { registers[index] = rank }
    }

    /// Whether nothing was inserted.
    public var isEmpty: Bool { exact?.isEmpty ?? false }

    /// The estimated number of distinct values inserted.
    public var count: Int {
        if let exact { return exact.count }
        let m = Double(registers.count)
        var sum = 0.0
        var zeros = 0
        for register in registers {
            sum += 1 / Double(UInt64(1) << UInt64(register))
            if register == 0 { zeros += 1 }
        }
        let alpha = 0.7213 / (1 + 1.079 / m)
        let raw = alpha * m * m / sum
        if raw <= 2.5 * m && zeros > 0 {
            return Int((m * log(m / Double(zeros))).rounded())  // linear counting for small ranges
        }
        return Int(raw.rounded())
    }

    /// Adds everything `other` counted (same precision required; otherwise `other` is ignored).
    public mutating func merge(_ other: HyperLogLog) {
        guard other.precision == precision else { return }
        if let theirs = other.exact {
            for hash in theirs { insert(hash: hash) }
            return
        }
        if exact != nil { spill() }
        for index in registers.indices where other.registers[index] > registers[index] {
            registers[index] = other.registers[index]
        }
    }

    private mutating func spill() {
        let values = exact ?? []
        exact = nil
        registers = Array(repeating: 0, count: 1 << precision)
        for hash in values { insert(hash: hash) }
    }

    /// FNV-1a over the UTF-8 bytes, then MurmurHash3's 64-bit finaliser to spread the bits.
    static func hash(_ value: String) -> UInt64 {
        finalize(fnv(value, from: FNV1a.offsetBasis))
    }

    /// The hash of `prefix` followed by `value`: the same as `hash(prefix + value)`, without
    /// building that string.
    static func hash(_ value: String, prefixedBy prefix: StaticString) -> UInt64 {
        finalize(fnv(value, from: prefix.withUTF8Buffer { FNV1a.hash($0) }))
    }

    /// `hash(_:prefixedBy:)` of a string given as its UTF-8 bytes.
    static func hash(bytes: UnsafeRawBufferPointer, prefixedBy prefix: StaticString) -> UInt64 {
        let state = prefix.withUTF8Buffer { FNV1a.hash($0) }
        return finalize(FNV1a.hash(bytes.assumingMemoryBound(to: UInt8.self), from: state))
    }

    /// `hash(_:)` of a string given as its UTF-8 bytes.
    static func hash(bytes: UnsafeRawBufferPointer) -> UInt64 {
        finalize(FNV1a.hash(bytes.assumingMemoryBound(to: UInt8.self), from: FNV1a.offsetBasis))
    }

    private static func fnv(_ value: String, from state: UInt64) -> UInt64 {
        value.withUTF8InPlace { FNV1a.hash($0, from: state) }
    }

    private static func finalize(_ state: UInt64) -> UInt64 {
        var hash = state
        hash ^= hash >> 33
        hash &*= 0xFF51_AFD7_ED55_8CCD
        hash ^= hash >> 33
        hash &*= 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        return hash
    }
}

extension HyperLogLog {
    func write(to writer: inout PartialWriter) {
        writer.unsigned(UInt64(precision))
        writer.unsigned(UInt64(exactLimit))
        if let exact {
            writer.unsigned(0)
            writer.sequence(exact) { $0.unsigned($1) }
        } else {
            writer.unsigned(1)
            writer.raw(registers)
        }
    }

    init(from reader: inout PartialReader) throws(PartialStateError) {
        let precision = try reader.unsigned()
        let exactLimit = try reader.unsigned()
        guard (4...18).contains(precision) else { throw .corrupt("HyperLogLog precision \(precision)") }
        guard exactLimit <= 1 << 16 else { throw .corrupt("HyperLogLog exact limit \(exactLimit)") }
        self.init(precision: Int(precision), exactLimit: Int(exactLimit))
        switch try reader.unsigned() {
        case 0:
            exact = Set(try reader.sequence { reader throws(PartialStateError) in try reader.unsigned() })
            guard exact?.count ?? 0 <= exactLimit else { throw .corrupt("HyperLogLog holds more than its exact limit") }
        case 1:
            let registers = try reader.raw()
            guard registers.count == 1 << precision else { throw .corrupt("HyperLogLog register count") }
            // A register holds a run of zero bits plus one: at most 65 - precision.
            guard registers.allSatisfy({ UInt64($0) <= 65 - precision }) else {
                throw .corrupt("HyperLogLog register value")
            }
            exact = nil
            self.registers = registers
        default:
            throw .corrupt("HyperLogLog mode")
        }
    }
}
