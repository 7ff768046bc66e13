/// Settings common to producers and consumers, as typed values rather than string dictionaries.
public struct KafkaClientConfiguration: Sendable, Equatable {
    /// Comma-separated `host:port` list (`KAFKA_BROKERS`).
    public var bootstrapServers: String
    /// `client.id`, shown in broker logs.
    public var clientID: String
    /// Any further librdkafka property (see librdkafka's CONFIGURATION.md), applied last.
    public var additionalProperties: [String: String]

    public init(bootstrapServers: String, clientID: String, additionalProperties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.additionalProperties = additionalProperties
    }
}
