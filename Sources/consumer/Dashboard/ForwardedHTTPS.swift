import ASCIIText
import AnalyticsCore
import Foundation
import HTTPServer

/// Whether a request reached the proxy in front of the consumer over HTTPS, as that proxy says.
///
/// The consumer speaks plain HTTP; behind a TLS-terminating proxy its login cookie should still be
/// `Secure`, so the browser never sends it over plain HTTP. Only a proxy in `TRUSTED_PROXIES` (the
/// connection's peer) is believed: its `X-Forwarded-Proto` (the last value, the one it added), else
/// the `proto=` of the last element of its `Forwarded` (RFC 7239). Anyone else gets no `Secure`;
/// a client lying about its own scheme only spoils its own cookie.
enum ForwardedHTTPS {
    static func isHTTPS(_ request: HTTPRequest, trustedProxies: [IPNetwork]) -> Bool {
        guard let peer = IPAddress(request.remoteAddress), trustedProxies.contains(where: { $0.contains(peer) }) else {
            return false
        }
        if let header = request.headers.combined("X-Forwarded-Proto") {
            return lastElement(of: header).asciiLowercased == "https"
        }
        guard let header = request.headers.combined("Forwarded") else { return false }
        for parameter in lastElement(of: header).split(separator: ";") {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, pair[0].trimmingSpacesAndTabs.asciiLowercased == "proto" else {
                continue
            }
            let value = pair[1].trimmingSpacesAndTabs
            return value.trimmingCharacters(in: CharacterSet(charactersIn: "\"")).asciiLowercased == "https"
        }
        return false
    }

    /// The last comma-separated element of `header`, trimmed: what the nearest proxy wrote.
    private static func lastElement(of header: String) -> String {
        String((header.split(separator: ",", omittingEmptySubsequences: false).last ?? "").trimmingSpacesAndTabs)
    }
}
