import Foundation

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
