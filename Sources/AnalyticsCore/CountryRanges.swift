/// Countries of address ranges, in the plain-text form of Tor's geoip files (IPFire Location's
/// data as Debian's `tor-geoipdb` ships it, CC BY-SA 4.0): `start,end,CC` per line, IPv4 as
/// decimal numbers and IPv6 as addresses, `??` where the country is not known.
///
/// It is the producer's country data when the operator gives no `.mmdb` file: about 385,000 IPv4
/// and 277,000 IPv6 ranges held in sorted arrays (8 MB), found by binary search within the ranges
/// that share the address's first 16 bits (an index of 65,536 buckets per family, 512 KB): a
/// plain binary search over the whole arrays missed the cache at most of its 20 steps, which
/// `make bench-http` showed as 1.7% of the producer's CPU.
public struct CountryRanges: CountryLocator {
    /// A 128-bit number in two halves, compared as one.
    struct Wide: Comparable, Sendable {
        var high: UInt64
        var low: UInt64
        static func < (lhs: Wide, rhs: Wide) -> Bool { (lhs.high, lhs.low) < (rhs.high, rhs.low) }
    }

    private var v4Starts: [UInt32] = []
    private var v4Ends: [UInt32] = []
    private var v4Countries: [UInt16] = []
    private var v6Starts: [Wide] = []
    private var v6Ends: [Wide] = []
    private var v6Countries: [UInt16] = []
    /// For each 16-bit prefix, the index of the first range starting at or after it (65,537
    /// entries, the last the count): the ranges to search for an address of that prefix.
    private var v4Buckets: [UInt32] = []
    private var v6Buckets: [UInt32] = []

    /// Ranges with a known country, IPv4 and IPv6.
    public var ipv4Count: Int { v4Starts.count }
    public var ipv6Count: Int { v6Starts.count }

    /// Reads the two files' bytes; `ipv4Name` and `ipv6Name` name them in errors.
    public init(
        ipv4: [UInt8], ipv6: [UInt8], ipv4Name: String = "geoip", ipv6Name: String = "geoip6"
    ) throws(CountryDataError) {
        try Self.readLines(ipv4, file: ipv4Name) { start, end, code, line throws(CountryDataError) in
            guard let first = Self.decimal(start), let last = Self.decimal(end), first <= last else {
                throw .malformedLine(file: ipv4Name, line: line)
            }
            guard let code else { return }
            if let previous = v4Ends.last, first <= previous { throw .unordered(file: ipv4Name, line: line) }
            v4Starts.append(first)
            v4Ends.append(last)
            v4Countries.append(code.letters)
        }
        try Self.readLines(ipv6, file: ipv6Name) { start, end, code, line throws(CountryDataError) in
            guard let first = IPAddress(String(decoding: start, as: UTF8.self)), first.family == .v6,
                let last = IPAddress(String(decoding: end, as: UTF8.self)), last.family == .v6
            else {
                // An IPv4-mapped range reads as IPv4, which the IPv4 file covers.
                if start.starts(with: "::ffff:".utf8) { return }
                throw .malformedLine(file: ipv6Name, line: line)
            }
            let low = Wide(high: first.high, low: first.low)
            let high = Wide(high: last.high, low: last.low)
            guard low <= high else { throw .malformedLine(file: ipv6Name, line: line) }
            guard let code else { return }
            if let previous = v6Ends.last, low <= previous { throw .unordered(file: ipv6Name, line: line) }
            v6Starts.append(low)
            v6Ends.append(high)
            v6Countries.append(code.letters)
        }
        v4Buckets = Self.buckets(v4Starts.lazy.map { $0 >> 16 })
        v6Buckets = Self.buckets(v6Starts.lazy.map { UInt32($0.high >> 48) })
    }

    /// The bucket index of sorted 16-bit prefixes: entry `p` is the index of the first prefix
    /// at or above `p`.
    private static func buckets(_ prefixes: some Collection<UInt32>) -> [UInt32] {
        var buckets = [UInt32](repeating: 0, count: 65_537)
        var index: UInt32 = 0
        var iterator = prefixes.makeIterator()
        var next = iterator.next()
        for prefix in 0...65_536 {
            while let current = next, current < UInt32(prefix) {
                index += 1
                next = iterator.next()
            }
            buckets[prefix] = index
        }
        return buckets
    }

    public func country(of address: IPAddress) -> CountryCode? {
        guard address.isPublic else { return nil }
        if address.family == .v4 {
            let value = UInt32(truncatingIfNeeded: address.low)
            guard
                let index = Self.lastIndex(in: v4Starts, notAbove: value, buckets: v4Buckets, prefix: Int(value >> 16)),
                value <= v4Ends[index]
            else { return nil }
            return CountryCode(checkedLetters: v4Countries[index])
        }
        let value = Wide(high: address.high, low: address.low)
        guard
            let index = Self.lastIndex(
                in: v6Starts, notAbove: value, buckets: v6Buckets, prefix: Int(address.high >> 48)),
            value <= v6Ends[index]
        else { return nil }
        return CountryCode(checkedLetters: v6Countries[index])
    }

    /// The index of the last element of sorted `starts` that is at most `value`, whose 16-bit
    /// prefix is `prefix`: searched among the ranges starting within the prefix, else it is the
    /// last range starting before it.
    private static func lastIndex<Element: Comparable>(
        in starts: [Element], notAbove value: Element, buckets: [UInt32], prefix: Int
    ) -> Int? {
        let first = Int(buckets[prefix])
        var low = first
        var high = Int(buckets[prefix + 1])
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low == 0 ? nil : low - 1
    }

    /// Calls `body` with each range line's start, end, country (nil for `??`) and line number;
    /// blank lines and `#` comments are skipped.
    private static func readLines(
        _ bytes: [UInt8], file: String,
        _ body: (ArraySlice<UInt8>, ArraySlice<UInt8>, CountryCode?, Int) throws(CountryDataError) -> Void
    ) throws(CountryDataError) {
        var lineNumber = 0
        var start = 0
        while start < bytes.count {
            lineNumber += 1
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "\n") { end += 1 }
            var line = bytes[start..<end]
            start = end + 1
            if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            guard let firstComma = line.firstIndex(of: UInt8(ascii: ",")),
                let secondComma = line[(firstComma + 1)...].firstIndex(of: UInt8(ascii: ",")),
                line.endIndex - secondComma == 3
            else { throw .malformedLine(file: file, line: lineNumber) }
            let first = line[secondComma + 1]
            let second = line[secondComma + 2]
            let code = CountryCode(first, second)
            guard code != nil || (first == UInt8(ascii: "?") && second == UInt8(ascii: "?")) else {
                throw .malformedLine(file: file, line: lineNumber)
            }
            try body(line[..<firstComma], line[(firstComma + 1)..<secondComma], code, lineNumber)
        }
    }

    /// A decimal IPv4 number of up to 10 digits that fits 32 bits.
    private static func decimal(_ digits: ArraySlice<UInt8>) -> UInt32? {
        guard !digits.isEmpty, digits.count <= 10 else { return nil }
        var value: UInt64 = 0
        for digit in digits {
            guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
            value = value * 10 + UInt64(digit - UInt8(ascii: "0"))
        }
        return value <= UInt64(UInt32.max) ? UInt32(value) : nil
    }
}
