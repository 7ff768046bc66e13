import Foundation

/// Whether a string is an IPv4 or IPv6 address, as `inet_pton` reads it.
///
/// `inet_pton` is a pure parsing function (no sockets), so using it keeps `AnalyticsCore` free of
/// I/O while following exactly the grammar the operating system accepts.
public enum IPAddressRule {
    public static func isValid(_ text: String) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &buffer) == 1 { return true }
        return inet_pton(AF_INET6, text, &buffer) == 1
    }
}
