import AnalyticsCore

/// Facts about the address `STATS_HOST` binds.
enum ListenAddress {
    /// Whether only this machine can connect (127.0.0.0/8, `::1`, `localhost`).
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
