/// Which offsets of one Kafka partition, within a range, the history holds: one bit per offset.
///
/// It exists for `consumer --rebuild-history`, which reads partitions from their oldest record and
/// must skip every offset already stored: a bit per offset (1.2 MiB for ten million) where a set
/// of offsets would take a hundred times more.
public struct OffsetBitmap: Sendable, Equatable {
    public let range: Range<Int64>
    private var words: [UInt64]
    public private(set) var count = 0

    public init(range: Range<Int64>) {
        self.range = range
        words = [UInt64](repeating: 0, count: Int((range.count + 63) / 64))
    }

    /// Marks `offset` as stored; an offset outside the range is ignored.
    public mutating func insert(_ offset: Int64) {
        guard range.contains(offset) else { return }
        let index = Int(offset - range.lowerBound)
        let bit = UInt64(1) << UInt64(index % 64)
        if words[index / 64] & bit == 0 {
            words[index / 64] |= bit
            count += 1
        }
    }

    public func contains(_ offset: Int64) -> Bool {
        guard range.contains(offset) else { return false }
        let index = Int(offset - range.lowerBound)
        return words[index / 64] & (UInt64(1) << UInt64(index % 64)) != 0
    }
}
