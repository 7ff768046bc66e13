import Foundation

/// Why a partial state read from the partials topic could not be used.
public enum PartialStateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes end before the state does.
    case truncated
    /// Not a partial state, or one written by a newer version of the consumer.
    case unsupportedFormat(String)
    /// A field holds a value no writer produces.
    case corrupt(String)

    public var description: String {
        switch self {
        case .truncated: return "partial state is truncated"
        case .unsupportedFormat(let detail): return "not a partial state this consumer can read (\(detail))"
        case .corrupt(let detail): return "partial state is corrupt (\(detail))"
        }
    }
}

/// Appends the primitive values of a partial state: LEB128 varints (zig-zag for signed values),
/// IEEE doubles, length-prefixed UTF-8 strings and byte runs.
///
/// Partials are written every few seconds for every owned partition, so the format is binary
/// (a 16 KiB HyperLogLog stays 16 KiB) rather than JSON.
struct PartialWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 4096) {
        bytes.reserveCapacity(capacity)
    }

    mutating func unsigned(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func int(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func int(_ value: Int) { int(Int64(value)) }

    mutating func double(_ value: Double) {
        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func string(_ value: String) {
        unsigned(UInt64(value.utf8.count))
        bytes.append(contentsOf: value.utf8)
    }

    mutating func optionalString(_ value: String?) {
        guard let value else { return unsigned(0) }
        unsigned(1)
        string(value)
    }

    mutating func raw(_ value: [UInt8]) {
        unsigned(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    /// A count followed by each element.
    mutating func sequence<S: Collection>(_ elements: S, _ write: (inout PartialWriter, S.Element) -> Void) {
        unsigned(UInt64(elements.count))
        for element in elements { write(&self, element) }
    }
}

/// Reads what `PartialWriter` wrote, checking every length against the bytes left.
struct PartialReader {
    private let bytes: [UInt8]
    private var position = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { position == bytes.count }

    mutating func unsigned() throws(PartialStateError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < bytes.count else { throw .truncated }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw .corrupt("varint too long") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    mutating func int64() throws(PartialStateError) -> Int64 {
        let raw = try unsigned()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func int() throws(PartialStateError) -> Int {
        Int(try int64())
    }

    /// A count of elements to come; each takes at least one byte, which bounds it.
    mutating func count() throws(PartialStateError) -> Int {
        let value = try unsigned()
        guard value <= UInt64(bytes.count - position) else { throw .truncated }
        return Int(value)
    }

    mutating func double() throws(PartialStateError) -> Double {
        guard bytes.count - position >= 8 else { throw .truncated }
        var pattern: UInt64 = 0
        for index in 0..<8 { pattern |= UInt64(bytes[position + index]) << UInt64(8 * index) }
        position += 8
        return Double(bitPattern: pattern)
    }

    /// A count of things (events, visitors, page views, samples): 0 ... 2^48. Far more than a
    /// partition ever counts, and far enough from `Int.max` that adding up the counts of 32,768
    /// partitions cannot overflow.
    mutating func tally(_ what: String) throws(PartialStateError) -> Int {
        let value = try int64()
        guard (0...Self.maxTally).contains(value) else { throw .corrupt("\(what) \(value)") }
        return Int(value)
    }

    /// A time as Unix seconds, within the years RFC 3339 can write (0000 to 9999), so that
    /// every date computed from it is finite and formattable.
    mutating func instant(_ what: String) throws(PartialStateError) -> Double {
        let value = try double()
        guard Self.instants.contains(value) else { throw .corrupt("\(what) \(value)") }
        return value
    }

    /// A whole number of Unix seconds (a minute's or an hour's start), in the same years.
    mutating func instantSeconds(_ what: String) throws(PartialStateError) -> Int64 {
        let value = try int64()
        guard Self.instants.contains(Double(value)) else { throw .corrupt("\(what) \(value)") }
        return value
    }

    /// A sum of durations or values that may hold at most `tally` times `each`.
    mutating func total(_ what: String, of tally: Int, each: Double) throws(PartialStateError) -> Double {
        let value = try double()
        guard value.isFinite, value >= 0, value <= Double(tally) * each else { throw .corrupt("\(what) \(value)") }
        return value
    }

    static let maxTally: Int64 = 1 << 48
    /// 0000-01-01T00:00:00Z up to the end of 9999-12-31T23:59:59.999Z.
    static let instants: ClosedRange<Double> = -62_167_219_200...253_402_300_800

    mutating func string() throws(PartialStateError) -> String {
        let length = try count()
        defer { position += length }
        return String(decoding: bytes[position..<position + length], as: UTF8.self)
    }

    mutating func optionalString() throws(PartialStateError) -> String? {
        switch try unsigned() {
        case 0: return nil
        case 1: return try string()
        default: throw .corrupt("bad optional marker")
        }
    }

    mutating func raw() throws(PartialStateError) -> [UInt8] {
        let length = try count()
        defer { position += length }
        return Array(bytes[position..<position + length])
    }

    mutating func sequence<T>(_ read: (inout PartialReader) throws(PartialStateError) -> T) throws(PartialStateError)
        -> [T]
    {
        let total = try count()
        var result: [T] = []
        result.reserveCapacity(total)
        for _ in 0..<total { result.append(try read(&self)) }
        return result
    }
}
