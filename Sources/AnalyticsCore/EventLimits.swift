/// Size and range limits on event fields (design §4).
///
/// They exist so that one misbehaving client cannot make records, or the consumer's memory,
/// arbitrarily large. Every limit is enforced by `EventValidator` and tested rule by rule.
public struct EventLimits: Sendable, Equatable {
    public var maxIdentifierLength = 128
    public var maxURLLength = 2048
    public var maxUserAgentLength = 512
    public var maxMetadataKeys = 50
    public var maxMetadataDepth = 3
    public var maxMetadataBytes = 8 * 1024
    public var maxBatchSize = 500
    /// `metadata.load_time`, in milliseconds: a page that took over an hour to load is a wrong
    /// measurement, and a bound keeps every sum of load times finite.
    public var loadTimeMilliseconds: ClosedRange<Double> = 0...3_600_000
    /// Any other number in `metadata` (counts, durations, prices): at most JavaScript's largest
    /// exact integer in magnitude, so every sender and reader holds it exactly.
    public var maxMetadataNumber: Double = 9_007_199_254_740_991

    public init() {}
}
