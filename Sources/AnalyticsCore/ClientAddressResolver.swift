/// Works out the client's address behind reverse proxies, believing `X-Forwarded-For` and
/// `Forwarded` (RFC 7239) only as far as they were written by `TRUSTED_PROXIES`.
///
/// The chain is read from the right: each hop that is a trusted proxy vouches for the address to
/// its left; the first untrusted address is the client. A client that writes its own header only
/// adds entries to the left of what the trusted proxies append, so it cannot choose its address.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [IPNetwork]

    public init(trustedProxies: [IPNetwork] = []) {
        self.trustedProxies = trustedProxies
    }

    public func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// The client address for a connection from `peer` carrying these headers (all values of
    /// each, joined by commas); `peer` itself unless it is a trusted proxy. The headers are read
    /// only for a trusted peer.
    public func clientAddress(
        peer: String, forwarded: @autoclosure () -> String?, forwardedFor: @autoclosure () -> String?
    ) -> String {
        guard !trustedProxies.isEmpty, let peerAddress = IPAddress(peer), isTrusted(peerAddress) else { return peer }
        // `Forwarded` is the standard; when a proxy sends it, it is preferred.
        let chain = forwarded().map(Self.forwardedForValues) ?? forwardedFor().map(Self.listValues) ?? []
        var client = peerAddress
        for entry in chain.reversed() {
            guard let address = IPAddress(entry) else { break }  // garbage or `unknown`: stop at the last good hop
            client = address
            if !isTrusted(address) { break }
        }
        return client.description
    }

    /// `X-Forwarded-For: a, b, c` as its entries.
    static func listValues(_ header: String) -> [Substring] {
        header.split(separator: ",").map { Self.stripPort(trimmed($0)) }
    }

    /// The `for=` parameters of `Forwarded: for=a;proto=https, for="[2001:db8::1]:4711"`.
    static func forwardedForValues(_ header: String) -> [Substring] {
        header.split(separator: ",").compactMap { element in
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, trimmed(parts[0]).lowercased() == "for" else { continue }
                var value = trimmed(parts[1])
                if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 {
                    value = value.dropFirst().dropLast()
                }
                return stripPort(value)
            }
            return nil
        }
    }

    private static func trimmed(_ text: Substring) -> Substring {
        guard let first = text.firstIndex(where: { $0 != " " && $0 != "\t" }),
            let last = text.lastIndex(where: { $0 != " " && $0 != "\t" })
        else { return "" }
        return text[first...last]
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
