/// Works out the client's address behind reverse proxies: the address one header
/// (`CLIENT_IP_HEADER`, `ForwardingHeader`) names, believed only as far as `TRUSTED_PROXIES`
/// wrote it.
///
/// The header is read from the right: each hop that is a trusted proxy vouches for the address to
/// its left; the first untrusted address is the client. A client that writes the header itself
/// only adds elements to the left of what the trusted proxies append, so it cannot choose its
/// address; an element that names no address stops the walk at the last hop believed, since
/// nothing to its left can be vouched for. Other forwarding headers are never read.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [IPNetwork]
    /// The header the trusted proxies write.
    public let header: ForwardingHeader

    public init(trustedProxies: [IPNetwork] = [], header: ForwardingHeader = .xForwardedFor) {
        self.trustedProxies = trustedProxies
        self.header = header
    }

    public func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// The client address for a connection from `peer` whose request carries `headerValue` (every
    /// line of `header`, joined by commas): `peer` itself unless it is a trusted proxy. The
    /// header is read only for a trusted peer.
    public func clientAddress(peer: String, headerValue: @autoclosure () -> String?) -> String {
        guard !trustedProxies.isEmpty, let peerAddress = IPAddress(peer), isTrusted(peerAddress) else { return peer }
        var client = peerAddress
        for element in header.elements(headerValue() ?? "").reversed() {
            guard let element, let address = IPAddress(element) else { break }
            client = address
            if !isTrusted(address) { break }
        }
        return client.description
    }
}
