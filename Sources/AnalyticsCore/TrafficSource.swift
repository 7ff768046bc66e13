import Foundation

/// Names where a visit came from, from its referrer.
///
/// Kept as a rule of its own so every view of traffic sources agrees: the referrer's host in
/// lowercase with a leading `www.` removed, or `direct` when there is no referrer.
public enum TrafficSource {
    public static let direct = "direct"

    public static func name(forReferrer referrer: String?) -> String {
        guard let referrer, !referrer.isEmpty, let host = WebURL(referrer)?.host.lowercased() else { return direct }
        return host.hasPrefix("www.") ? String(host.dropFirst(4)) : host
    }
}
