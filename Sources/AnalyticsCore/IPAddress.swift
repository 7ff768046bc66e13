import Foundation

/// An IPv4 or IPv6 address as its bytes, for the producer's privacy and abuse rules: masking to a
/// prefix (`IP_POLICY=anonymize`), matching `TRUSTED_PROXIES` networks, keying rate limits.
///
/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is read as the IPv4 address it carries, so a
/// dual-stack listener and an IPv4 one see the same client.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case v4, v6 }

    public let family: Family
    /// The address as a 128-bit number in two halves (an IPv4 address in the low 32 bits of
    /// `low`): masking and comparing are arithmetic, and no address allocates.
    let high: UInt64
    let low: UInt64

    public init?(_ text: some StringProtocol) {
        // `inet_pton` reads a C string: text after a NUL would go unseen.
        guard !text.utf8.contains(0) else { return nil }
        let text = String(text)
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(family: .v4, high: 0, low: UInt64(UInt32(bigEndian: v4.s_addr)))
            return
        }
        var v6 = in6_addr()
        guard inet_pton(AF_INET6, text, &v6) == 1 else { return nil }
        let (high, low) = withUnsafeBytes(of: v6) {
            (
                UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                UInt64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
            )
        }
        if high == 0 && low >> 32 == 0xFFFF {
            self.init(family: .v4, high: 0, low: low & 0xFFFF_FFFF)
        } else {
            self.init(family: .v6, high: high, low: low)
        }
    }

    private init(family: Family, high: UInt64, low: UInt64) {
        self.family = family
        self.high = high
        self.low = low
    }

    /// Calls `body` with the address as a C socket address (`sockaddr_in` or `sockaddr_in6`, port
    /// 0), for C libraries that look addresses up (libmaxminddb).
    public func withSocketAddress<Result>(_ body: (UnsafePointer<sockaddr>) -> Result) -> Result {
        switch family {
        case .v4:
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(truncatingIfNeeded: low).bigEndian
            return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body) }
        case .v6:
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            withUnsafeMutableBytes(of: &address.sin6_addr) { bytes in
                bytes.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
                bytes.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
            }
            return withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1, body) }
        }
    }

    /// Whether the address can be a visitor's on the internet: not unspecified, loopback, private
    /// (RFC 1918, unique local), shared (carrier-grade NAT), link-local or multicast. Only such an
    /// address has a country.
    public var isPublic: Bool {
        if family == .v4 {
            let value = UInt32(truncatingIfNeeded: low)
            let first = value >> 24
            switch first {
            case 0, 10, 127: return false
            case 100: return (value >> 22) & 0x3 != 1  // 100.64.0.0/10
            case 169: return (value >> 16) & 0xFF != 254
            case 172: return (value >> 20) & 0xF != 1  // 172.16.0.0/12
            case 192: return (value >> 16) & 0xFF != 168
            default: return first < 224
            }
        }
        if high == 0 && (low == 0 || low == 1) { return false }
        let top = high >> 56
        if top & 0xFE == 0xFC || top == 0xFF { return false }  // fc00::/7, ff00::/8
        return high >> 54 != 0x3FA  // fe80::/10
    }

    /// Bits in the address: 32 or 128.
    public var bitCount: Int { family == .v4 ? 32 : 128 }

    /// The address with every bit after the first `prefixLength` set to zero.
    public func masked(toPrefix prefixLength: Int) -> IPAddress {
        // Count the kept bits from the top of the 128-bit number.
        let kept = min(max(prefixLength, 0), bitCount) + (128 - bitCount)
        func mask(keeping bits: Int) -> UInt64 { bits <= 0 ? 0 : bits >= 64 ? .max : ~(UInt64.max >> UInt64(bits)) }
        return IPAddress(family: family, high: high & mask(keeping: kept), low: low & mask(keeping: kept - 64))
    }

    /// The conventional text form: dotted quad, or compressed IPv6 (`inet_ntop`).
    public var description: String {
        if family == .v4 { return Self.dottedQuad(UInt32(truncatingIfNeeded: low)) }
        var v6 = in6_addr()
        withUnsafeMutableBytes(of: &v6) {
            $0.storeBytes(of: high.bigEndian, toByteOffset: 0, as: UInt64.self)
            $0.storeBytes(of: low.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        inet_ntop(AF_INET6, &v6, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// `192.0.2.1`, written into the string's own storage.
    private static func dottedQuad(_ value: UInt32) -> String {
        String(unsafeUninitializedCapacity: 15) { buffer in
            var count = 0
            for index in 0..<4 {
                if index > 0 {
                    buffer[count] = UInt8(ascii: ".")
                    count += 1
                }
                let byte = UInt8(truncatingIfNeeded: value >> UInt32(24 - 8 * index))
                if byte >= 100 {
                    buffer[count] = UInt8(ascii: "0") + byte / 100
                    count += 1
                }
                if byte >= 10 {
                    buffer[count] = UInt8(ascii: "0") + byte / 10 % 10
                    count += 1
                }
                buffer[count] = UInt8(ascii: "0") + byte % 10
                count += 1
            }
            return count
        }
    }
}
