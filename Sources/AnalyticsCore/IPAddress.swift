import Foundation

/// An IPv4 or IPv6 address as its bytes, for the producer's privacy and abuse rules: masking to a
/// prefix (`IP_POLICY=anonymize`), matching `TRUSTED_PROXIES` networks, keying rate limits.
///
/// An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) is read as the IPv4 address it carries, so a
/// dual-stack listener and an IPv4 one see the same client.
public struct IPAddress: Sendable, Hashable, CustomStringConvertible {
    public enum Family: Sendable, Hashable { case v4, v6 }

    public let family: Family
    /// 4 bytes for IPv4, 16 for IPv6, network order.
    public let bytes: [UInt8]

    public init?(_ text: some StringProtocol) {
        let text = String(text)
        // IPv4 first, nearly every client: four bytes, no 16-byte scratch buffer.
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            self.init(family: .v4, bytes: withUnsafeBytes(of: v4) { Array($0) })
            return
        }
        var buffer = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET6, text, &buffer) == 1 {
            if buffer.prefix(10).allSatisfy({ $0 == 0 }) && buffer[10] == 0xFF && buffer[11] == 0xFF {
                self.init(family: .v4, bytes: Array(buffer[12..<16]))
            } else {
                self.init(family: .v6, bytes: buffer)
            }
        } else {
            return nil
        }
    }

    private init(family: Family, bytes: [UInt8]) {
        self.family = family
        self.bytes = bytes
    }

    /// Bits in the address: 32 or 128.
    public var bitCount: Int { bytes.count * 8 }

    /// The address with every bit after the first `prefixLength` set to zero.
    public func masked(toPrefix prefixLength: Int) -> IPAddress {
        var masked = bytes
        for index in masked.indices {
            let kept = min(max(prefixLength - index * 8, 0), 8)
            masked[index] &= kept == 0 ? 0 : UInt8(truncatingIfNeeded: 0xFF << (8 - kept))
        }
        return IPAddress(family: family, bytes: masked)
    }

    /// The conventional text form: dotted quad, or compressed IPv6 (`inet_ntop`).
    public var description: String {
        if family == .v4 { return "\(bytes[0]).\(bytes[1]).\(bytes[2]).\(bytes[3])" }
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        var copy = bytes
        inet_ntop(AF_INET6, &copy, &text, socklen_t(text.count))
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// A network in CIDR notation (`10.0.0.0/8`, `2001:db8::/32`; a bare address is a /32 or /128),
/// as `TRUSTED_PROXIES` lists them.
public struct IPNetwork: Sendable, Hashable, CustomStringConvertible {
    public let base: IPAddress
    public let prefixLength: Int

    public init?(_ text: some StringProtocol) {
        let parts = text.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
        guard let address = IPAddress(parts[0].trimmingCharacters(in: .whitespaces)) else { return nil }
        var length = address.bitCount
        if parts.count == 2 {
            guard let given = Int(parts[1].trimmingCharacters(in: .whitespaces)), (0...address.bitCount).contains(given)
            else { return nil }
            length = given
        }
        base = address.masked(toPrefix: length)
        prefixLength = length
    }

    public func contains(_ address: IPAddress) -> Bool {
        address.family == base.family && address.masked(toPrefix: prefixLength) == base
    }

    public var description: String { "\(base)/\(prefixLength)" }
}
