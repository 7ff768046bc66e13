import ASCIIText
import Foundation

/// Names where a visit came from, from its referrer.
///
/// Kept as a rule of its own so every view of traffic sources agrees: the referrer's host in
/// lowercase with a leading `www.` removed, or `direct` when there is no referrer.
public enum TrafficSource {
    public static let direct = "direct"

    public static func name(forReferrer referrer: String?) -> String {
        guard let referrer, !referrer.isEmpty, let name = WebURL.withHost(of: referrer, name(ofHost:)) else {
            return direct
        }
        return name
    }

    /// The host lowercased without a leading `www.`, made into one string from the URL's bytes
    /// (a page view's referrer is read for every page view).
    private static func name(ofHost host: UnsafeBufferPointer<UInt8>) -> String {
        guard host.allSatisfy({ $0 < 0x80 }) else {
            // An internationalised host: Unicode lowercasing.
            let lowered = String(decoding: host, as: UTF8.self).lowercased()
            return lowered.hasPrefix("www.") ? String(lowered.dropFirst(4)) : lowered
        }
        let name = UnsafeBufferPointer(rebasing: host[(host.hasPrefix(ignoringCase: "www.") ? 4 : 0)...])
        return String(unsafeUninitializedCapacity: name.count) { buffer in
            for (index, byte) in name.enumerated() { buffer[index] = byte.asciiLowercased }
            return name.count
        }
    }
}
