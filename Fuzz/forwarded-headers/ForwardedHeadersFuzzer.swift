// libFuzzer target for the forwarding headers (`ClientAddressResolver`): `Forwarded`,
// `X-Forwarded-For` and whatever else a proxy writes.
//
// The first byte picks the peer and the trusted proxies; the rest is header lines, `Name: value`.
// The first byte's top bits pick the one header believed (`CLIENT_IP_HEADER`). The checks:
// - a peer that is not a trusted proxy is the client, whatever its headers say;
// - otherwise the client is the peer or an address written in the believed header, never one
//   made up and never one from another forwarding header.
import AnalyticsCore
import HTTPServer

/// The one place that knows the resolver's API: the client address for a connection from `peer`
/// that carries `headers`, believing only `header` (`CLIENT_IP_HEADER`), as the producer reads it.
private func resolve(
    peer: String, headers: HTTPHeaders, trusting proxies: [IPNetwork], header: ForwardingHeader
) -> String {
    let resolver = ClientAddressResolver(trustedProxies: proxies, header: header)
    return resolver.clientAddress(peer: peer, headerValue: headers.combined(resolver.header.name))
}

private let believed: [ForwardingHeader] = [.xForwardedFor, .forwarded, .addressList(name: "X-Real-IP")]

private let peers = ["10.0.0.1", "2001:db8::7", "::ffff:10.1.2.3", "198.51.100.4", "2001:db9::1", "not-an-address"]
private let proxyLists: [[IPNetwork]] = [
    [],
    ["10.0.0.0/8"].compactMap(IPNetwork.init),
    ["10.0.0.0/8", "2001:db8::/32", "192.0.2.0/24", "127.0.0.1/32"].compactMap(IPNetwork.init),
]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzForwardedHeaders(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let peer = peers[Int(data[0] & 7) % peers.count]
    let proxies = proxyLists[Int((data[0] >> 3) & 7) % proxyLists.count]
    let header = believed[Int(data[0] >> 6) % believed.count]
    let text = String(decoding: UnsafeBufferPointer(start: data + 1, count: size - 1), as: UTF8.self)
    var fields: [(String, String)] = []
    for line in text.split(separator: "\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        fields.append((String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " })))
    }

    let client = resolve(peer: peer, headers: HTTPHeaders(fields), trusting: proxies, header: header)
    let peerAddress = IPAddress(peer)
    let isPeer = client == peer || (peerAddress != nil && IPAddress(client) == peerAddress)
    if !(peerAddress.map { address in proxies.contains { $0.contains(address) } } ?? false) {
        check(isPeer, "an untrusted peer \(peer) was taken for \(client)")
    } else if !isPeer {
        guard let address = IPAddress(client) else { fatalError("the client \(client) is not an address") }
        // Only the believed header can name the client: another header never does.
        check(
            fields.contains {
                HTTPHeaders([$0]).combined(header.name) != nil && addressesWritten(in: $0.1).contains(address)
            },
            "the client \(client) is neither the peer \(peer) nor written in \(header) of \(fields)")
    }
    return 0
}

/// Every address a header value spells, however it is wrapped: the runs of characters an IP
/// address is written with, each whole or before a `:port`.
private func addressesWritten(in value: String) -> [IPAddress] {
    let isAddressCharacter: (Character) -> Bool = { $0.isASCII && $0.isHexDigit || $0 == "." || $0 == ":" }
    return value.split { !isAddressCharacter($0) }.flatMap { run -> [IPAddress] in
        let withoutPort = run.firstIndex(of: ":").map { run[..<$0] }
        return [run, withoutPort].compactMap { $0.flatMap(IPAddress.init) }
    }
}

private func check(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition { fatalError(message()) }
}
