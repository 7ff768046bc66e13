/// What of the client's IP address reaches the topic (`IP_POLICY`).
///
/// The raw address is only ever used in memory, for the visitor id and rate limits; this policy
/// decides what is written: by default a network prefix that names a neighbourhood, not a home.
public enum IPPolicy: String, Sendable, CaseIterable {
    /// IPv4 to its /24, IPv6 to its /48 (the last bits zeroed).
    case anonymize
    /// No `ip_address` at all.
    case drop
    /// The address as received.
    case keep

    public static let anonymizedIPv4Prefix = 24
    public static let anonymizedIPv6Prefix = 48

    /// The `ip_address` to publish for `address` (a valid IPv4 or IPv6 address).
    public func apply(to address: String?) -> String? {
        apply(to: address, parsed: address.flatMap(IPAddress.init))
    }

    /// `apply(to:)` for an address the caller has parsed already (`parsed`, nil when it is not
    /// an address): the enricher parses it once for the country and the policy.
    public func apply(to address: String?, parsed: IPAddress?) -> String? {
        guard let address else { return nil }
        switch self {
        case .keep: return address
        case .drop: return nil
        case .anonymize:
            guard let parsed else { return nil }
            let prefix = parsed.family == .v4 ? Self.anonymizedIPv4Prefix : Self.anonymizedIPv6Prefix
            return parsed.masked(toPrefix: prefix).description
        }
    }
}
