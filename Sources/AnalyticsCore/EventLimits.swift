/// Size limits on event fields (design §4).
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

    public init() {}
}
