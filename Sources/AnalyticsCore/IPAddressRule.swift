/// Whether a string is an IPv4 or IPv6 address, as `inet_pton` reads it (the whole string).
///
/// `inet_pton` is a pure parsing function (no sockets), so using it keeps `AnalyticsCore` free of
/// I/O while following exactly the grammar the operating system accepts. `IPAddress` is the one
/// place that calls it.
public enum IPAddressRule {
    public static func isValid(_ text: String) -> Bool {
        IPAddress(text) != nil
    }
}
