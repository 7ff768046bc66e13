import ASCIIText
import Foundation

/// One partition's share of the statistics, as each consumer publishes it on the compacted
/// partials topic (keyed by consumer group, topic and partition) so that every member of the group
/// can show the whole site.
///
/// It is also the partition's checkpoint: `sites` holds exactly the records before
/// `nextOffset`, so whoever owns the partition next starts from this state at that offset —
/// nothing is counted twice or dropped when partitions move.
public struct PartialState: Sendable {
    /// "AP" and a format version, so a future layout is refused rather than misread (2: bot
    /// events and campaigns; 3: operating systems; 4: countries; 5: a view per site).
    private static let magic: [UInt8] = [0x41, 0x50, 5]

    public var topic: String
    public var partition: Int32
    /// The offset of the first record the state does not include.
    public var nextOffset: Int64
    /// When the state was taken (wall clock of the publishing consumer).
    public var takenAt: Date
    public var sites: SiteViews

    public init(topic: String, partition: Int32, nextOffset: Int64, takenAt: Date, sites: SiteViews) {
        self.topic = topic
        self.partition = partition
        self.nextOffset = nextOffset
        self.takenAt = takenAt
        self.sites = sites
    }

    /// A state of one site (`SiteViews.fallbackSite`) holding `aggregator`.
    public init(topic: String, partition: Int32, nextOffset: Int64, takenAt: Date, aggregator: AnalyticsAggregator) {
        self.init(
            topic: topic, partition: partition, nextOffset: nextOffset, takenAt: takenAt,
            sites: SiteViews(site: SiteViews.fallbackSite, aggregator: aggregator))
    }

    /// The whole partition: every site's view and the remainder merged.
    public var aggregator: AnalyticsAggregator { sites.total }

    /// The record key on the partials topic: the latest state per key is all that matters. The
    /// state is the group's progress through the partition (its offsets are the group's), so the
    /// key names the group: two groups reading one topic never take each other's states.
    public static func key(group: String, topic: String, partition: Int32) -> String {
        "\(group)/\(topic)/\(partition)"
    }

    public func key(group: String) -> String { Self.key(group: group, topic: topic, partition: partition) }

    /// The partition a record key (`key(group:topic:partition:)`) names, if it is one of
    /// `topic`'s partitions for `group`. Unambiguous although a group id may hold "/": a topic
    /// name cannot, and the partition is all digits.
    public static func partition(inKey key: [UInt8], group: String, topic: String) -> Int32? {
        let prefix = Array("\(group)/\(topic)/".utf8)
        guard key.count > prefix.count, key.starts(with: prefix) else { return nil }
        let digits = key[prefix.count...]
        guard digits.count <= 10, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else {
            return nil
        }
        return Int32(String(decoding: digits, as: UTF8.self))
    }

    /// Whether a record key is one of `group`'s, for any events topic: `group/TOPIC/PARTITION`.
    /// A longer group that starts with `group/` does not match, since a topic holds no "/".
    public static func isKey(_ key: [UInt8], of group: String) -> Bool {
        let prefix = Array("\(group)/".utf8)
        guard key.count > prefix.count, key.starts(with: prefix) else { return false }
        let rest = key[prefix.count...]
        guard let slash = rest.firstIndex(of: UInt8(ascii: "/")), slash > rest.startIndex else { return false }
        let topic = String(decoding: rest[..<slash], as: UTF8.self)
        return partition(inKey: key, group: group, topic: topic) != nil
    }

    /// A record key as a log line may show it: printable ASCII kept, anything else `?`, at most
    /// 256 bytes (a key this consumer reads is one of its group's, but its bytes are still input).
    public static func printable(_ key: [UInt8]) -> String {
        key.prefix(256).printableASCII
    }

    public func encoded() -> [UInt8] {
        var writer = PartialWriter(capacity: 16_384)
        for byte in Self.magic { writer.unsigned(UInt64(byte)) }
        writer.string(topic)
        writer.int(Int64(partition))
        writer.int(nextOffset)
        writer.double(takenAt.timeIntervalSince1970)
        sites.write(to: &writer)
        return writer.bytes
    }

    /// Reads a published state; sizes of the summaries follow the local `configuration`.
    public init(bytes: [UInt8], configuration: AggregatorConfiguration) throws(PartialStateError) {
        var reader = PartialReader(bytes)
        for (index, byte) in Self.magic.enumerated() {
            let found = try reader.unsigned()
            guard found == UInt64(byte) else {
                throw .unsupportedFormat(index < 2 ? "unknown header" : "format version \(found)")
            }
        }
        topic = try reader.string()
        guard let partition = Int32(exactly: try reader.int64()), partition >= 0 else { throw .corrupt("partition") }
        self.partition = partition
        nextOffset = try reader.int64()
        guard nextOffset >= 0 else { throw .corrupt("next offset \(nextOffset)") }
        takenAt = Date(timeIntervalSince1970: try reader.instant("time taken"))
        var configuration = configuration
        configuration.deduplicationWindow = 0
        sites = try SiteViews(configuration: configuration, from: &reader)
        guard reader.isAtEnd else { throw .corrupt("trailing bytes") }
    }
}
