import ASCIIText

/// The one request header whose client address is believed when a trusted proxy sends it
/// (`CLIENT_IP_HEADER`): the header the operator's proxy writes, and no other.
///
/// It exists because believing every forwarding header lets a client choose its address: behind
/// a proxy that only appends `X-Forwarded-For` (nginx, AWS ALB), a `Forwarded` header the client
/// wrote passes through untouched. Only the header the proxy writes can be trusted.
public enum ForwardingHeader: Sendable, Equatable, CustomStringConvertible {
    /// `Forwarded` (RFC 7239): the `for=` parameter of each element.
    case forwarded
    /// A comma-separated list of addresses, each proxy appending its peer: `X-Forwarded-For`, or
    /// a header a proxy sets to one address, such as `X-Real-IP` or `CF-Connecting-IP`.
    case addressList(name: String)

    /// The default: what nginx, HAProxy, Traefik, Caddy and cloud load balancers append.
    public static let xForwardedFor = ForwardingHeader.addressList(name: "X-Forwarded-For")

    /// The header named `name` (an HTTP field name; `Forwarded` in any case means RFC 7239).
    public init?(name: String) {
        let token = name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"):
                return true
            default: return false
            }
        }
        guard !name.isEmpty, name.utf8.count <= 64, token else { return nil }
        self = name.asciiLowercased == "forwarded" ? .forwarded : .addressList(name: name)
    }

    /// The header's name as requests carry it.
    public var name: String {
        switch self {
        case .forwarded: return "Forwarded"
        case .addressList(let name): return name
        }
    }

    public var description: String { name }

    /// The header's elements, left to right: each the address it names, or nil for one that
    /// names none (garbage, `unknown`, an obfuscated identifier, a `Forwarded` element without
    /// `for=`), where a walk from the right must stop.
    func elements(_ value: String) -> [Substring?] {
        value.split(separator: ",", omittingEmptySubsequences: false).map { element in
            switch self {
            case .forwarded: return Self.forParameter(of: element).map(Self.stripPort)
            case .addressList: return Self.stripPort(element.trimmingSpacesAndTabs)
            }
        }
    }

    /// The value of `for=` in `for=192.0.2.60;proto=http` or `for="[2001:db8::17]:4711"`.
    private static func forParameter(of element: Substring) -> Substring? {
        for pair in element.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, parts[0].trimmingSpacesAndTabs.asciiLowercased == "for" else { continue }
            let value = parts[1].trimmingSpacesAndTabs
            guard value.hasPrefix("\"") else { return value }
            guard value.count >= 2, value.hasSuffix("\""), !value.dropFirst().dropLast().contains("\"") else {
                return nil
            }
            return value.dropFirst().dropLast()
        }
        return nil
    }

    /// `[2001:db8::1]:4711` → `2001:db8::1`; `192.0.2.1:80` → `192.0.2.1`; a bare IPv6 stays.
    private static func stripPort(_ value: Substring) -> Substring {
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            return value[value.index(after: value.startIndex)..<close]
        }
        if value.filter({ $0 == ":" }).count == 1, let colon = value.firstIndex(of: ":") { return value[..<colon] }
        return value
    }
}
