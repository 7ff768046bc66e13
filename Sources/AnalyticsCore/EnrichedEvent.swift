/// An event ready to publish, and how its visitor's user agent classified it (which the sender is
/// told, and the producer's metrics count).
public struct EnrichedEvent: Sendable, Equatable {
    public var record: AnalyticsEvent
    public var classification: VisitorAgent.Classification
}
