import Foundation

/// Settings of the aggregator, one value so the consumer builds it once from its environment and
/// tests can shrink capacities and windows to sizes they can fill.
public struct AggregatorConfiguration: Sendable, Equatable {
    /// Inactivity after which a session stops being active.
    public var sessionTimeout: TimeInterval = 30 * 60
    /// Open sessions held in memory (`SESSION_CAPACITY`); beyond it the least recently seen are
    /// closed early. About 55 bytes each (40-byte hash table slots, filled to three quarters).
    public var sessionCapacity = 500_000
    /// Rows in `top_pages`.
    public var topPagesLimit = 10
    /// Hours of `hourly_page_views` kept.
    public var hourlyWindow = 24
    /// Event type names and traffic sources monitored; beyond it the least counted is replaced.
    public var keyCapacity = 1000
    /// Pages monitored for `top_pages`; beyond it the least viewed page is replaced. A consumer
    /// group member shares it out over the topic's partitions (`PAGE_CAPACITY`).
    public var pageCapacity = 1000
    /// Most recent event ids remembered to count a retried event once; 0 leaves deduplication to
    /// the caller (the consumer keeps one window for all its partitions).
    public var deduplicationWindow = 100_000
    /// Whether events marked as bots count as people (`COUNT_BOTS`); by default they only count
    /// in `bot_events` and `total_events`.
    public var countBots = false
    /// Rows in `top_campaigns`.
    public var topCampaignsLimit = 10
    /// Websites given a view of their own in each partition (`MAX_SITES`); events of further
    /// sites count only in the totals and in `sites_over_capacity`.
    public var maxSites = 100
    /// Sites that always get a view, whatever `maxSites` (those with a `SITE_TOKENS` token): a
    /// flood of made-up sites cannot keep them out.
    public var reservedSites: Set<String> = []
    /// The site the producers give an event that names none (`DEFAULT_SITE`): such an event joins
    /// the site of its open session, and records from before sites count for it.
    public var defaultSite = "default"

    public init() {}
}
