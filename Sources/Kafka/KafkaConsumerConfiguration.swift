import CRdKafka

/// How the consumer joins its group.
public struct KafkaConsumerConfiguration: Sendable, Equatable {
    public var client: KafkaClientConfiguration
    /// `group.id` (`CONSUMER_GROUP`).
    public var groupID: String
    /// `auto.offset.reset` for a group with no committed offset: `earliest` or `latest`.
    public var autoOffsetReset = "earliest"
    /// `auto.commit.interval.ms`: how often stored offsets are committed.
    public var commitIntervalMilliseconds = 5000
    /// `session.timeout.ms`.
    public var sessionTimeoutMilliseconds = 10_000
    /// Records fetched ahead of the application, in KiB (`queued.max.messages.kbytes`): memory
    /// against refills while catching up. librdkafka before 2.1 sleeps up to a second once this is
    /// full (its issue #2879); `KafkaConsumer` wakes it as the queue drains (`FetchStallGuard`),
    /// and from 2.1 on `fetch.queue.backoff.ms` is set to 10 ms instead. Memory grows with it
    /// (about 1.6 × in RSS).
    public var prefetchKilobytes = 4096

    public init(client: KafkaClientConfiguration, groupID: String) {
        self.client = client
        self.groupID = groupID
    }

    var properties: [(String, String)] {
        [
            ("bootstrap.servers", client.bootstrapServers),
            ("client.id", client.clientID),
            ("group.id", groupID),
            ("auto.offset.reset", autoOffsetReset),
            // At-least-once: the application stores an offset only after applying its record;
            // librdkafka commits what was stored, periodically and on close.
            ("enable.auto.commit", "true"),
            ("enable.auto.offset.store", "false"),
            ("auto.commit.interval.ms", String(commitIntervalMilliseconds)),
            ("session.timeout.ms", String(sessionTimeoutMilliseconds)),
            ("enable.partition.eof", "false"),
            Self.requestsWithoutDelay,
            // The prefetch is bounded by bytes (librdkafka's default is 64 MiB), not by a count.
            ("queued.max.messages.kbytes", String(prefetchKilobytes)),
            ("queued.min.messages", String(max(10_000, prefetchKilobytes * 4))),
            // An empty fetch is held this long and the requests behind it wait too (the stall
            // guard's wake-up among them); a real broker answers as soon as records arrive.
            ("fetch.wait.max.ms", "100"),
        ] + fetchSizes + Self.fetchBackoff
            + client.additionalProperties.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
    }

    /// Fetch requests go out as soon as they are made (group consumer and `KafkaTopicReader`):
    /// with Nagle's algorithm a request written behind an unacknowledged one waited for the
    /// broker's delayed ACK.
    static let requestsWithoutDelay = ("socket.nagle.disable", "true")

    /// One fetch brings at most an eighth of the prefetch (at least 128 KiB), a quarter of that
    /// per partition (at least 64 KiB): a fetch is counted compressed but lands decompressed on
    /// top of the prefetch, several times its size. Soft limits: a larger batch still comes,
    /// alone. `message.max.bytes` (which must not exceed `fetch.max.bytes`) bounds only what this
    /// client sends: offset commits and group requests.
    private var fetchSizes: [(String, String)] {
        let perFetch = max(128 << 10, prefetchKilobytes * 128)
        return [
            ("fetch.max.bytes", String(perFetch)),
            ("max.partition.fetch.bytes", String(max(64 << 10, perFetch / 4))),
            ("message.max.bytes", String(min(1_000_000, perFetch))),
        ]
    }

    /// `fetch.queue.backoff.ms` where librdkafka has it (2.1 and later); before, `FetchStallGuard`
    /// does its work.
    private static var fetchBackoff: [(String, String)] {
        FetchStallGuard.isNeeded ? [] : [("fetch.queue.backoff.ms", "10")]
    }
}
