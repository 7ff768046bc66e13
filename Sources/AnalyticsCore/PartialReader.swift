import Foundation

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
