extension StatsSnapshot {
    /// Where the history store stands, shown with the live figures (`history` in `/analytics`,
    /// the dashboard's footer) so a reader knows whether past days are being kept.
    public struct HistoryStanding: Sendable, Equatable, Codable {
        /// `off` (no `CLICKHOUSE_URL`), `starting`, `writing` or `failing`.
        public var state: String
        /// Records of the topic not yet stored in ClickHouse (this member's share), when known.
        public var lag: Int?
        /// Since when inserts fail (RFC 3339), while `failing`.
        public var since: String?
        /// Why the last insert failed, while `failing`.
        public var reason: String?

        public init(state: String, lag: Int? = nil, since: String? = nil, reason: String? = nil) {
            self.state = state
            self.lag = lag
            self.since = since
            self.reason = reason
        }
    }
}
