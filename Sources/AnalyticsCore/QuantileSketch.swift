import Foundation

/// Quantiles of non-negative values (page-load times) in bounded memory, to a fixed relative
/// accuracy: a DDSketch with logarithmic buckets.
///
/// It exists because a median or p95 over every value ever seen would need every value. With the
/// default accuracy of 1%, every quantile it reports is within 1% of a true value of that rank,
/// using one counter per bucket: about 2,100 buckets cover 1 µs to 1 week in milliseconds.
/// Sketches merge by adding buckets, so partial sketches from several consumers combine exactly.
public struct QuantileSketch: Sendable, Equatable {
    public let relativeAccuracy: Double
    private let gamma: Double
    private let logGamma: Double
    private var buckets: [Int: Int] = [:]
    private var zeros = 0
    public private(set) var count = 0
    public private(set) var sum = 0.0

    public init(relativeAccuracy: Double = 0.01) {
        self.relativeAccuracy = min(max(relativeAccuracy, 0.0001), 0.5)
        gamma = (1 + self.relativeAccuracy) / (1 - self.relativeAccuracy)
        logGamma = log(gamma)
    }

    /// Adds a value; negative or non-finite values are ignored, tiny ones count as zero.
    public mutating func add(_ value: Double) {
        guard value.isFinite, value >= 0 else { return }
        count += 1
        sum += value
        guard value > 1e-9 else {
            zeros += 1
            return
        }
        buckets[Int((log(value) / logGamma).rounded(.up)), default: 0] += 1
    }

    /// The value at quantile `q` (0...1), or nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = Int((min(max(q, 0), 1) * Double(count - 1)).rounded(.down))
        if rank < zeros { return 0 }
        var seen = zeros
        for key in buckets.keys.sorted() {
            seen += buckets[key] ?? 0
            if seen > rank {
                // The bucket (gamma^(k-1), gamma^k] is represented by the value whose relative
                // error to both ends is the accuracy.
                return 2 * pow(gamma, Double(key)) / (gamma + 1)
            }
        }
        return nil
    }

    public var average: Double { count > 0 ? sum / Double(count) : 0 }

    public mutating func merge(_ other: QuantileSketch) {
        guard other.relativeAccuracy == relativeAccuracy else { return }
        for (key, value) in other.buckets { buckets[key, default: 0] += value }
        zeros += other.zeros
        count += other.count
        sum += other.sum
    }
}

extension QuantileSketch {
    func write(to writer: inout PartialWriter) {
        writer.double(relativeAccuracy)
        writer.int(zeros)
        writer.int(count)
        writer.double(sum)
        writer.sequence(buckets) { writer, bucket in
            writer.int(bucket.key)
            writer.int(bucket.value)
        }
    }

    init(from reader: inout PartialReader) throws(PartialStateError) {
        let accuracy = try reader.double()
        guard accuracy.isFinite, accuracy > 0, accuracy < 1 else { throw .corrupt("quantile accuracy") }
        self.init(relativeAccuracy: accuracy)
        zeros = try reader.int()
        count = try reader.int()
        sum = try reader.double()
        for (key, value) in try reader.sequence({ reader throws(PartialStateError) in
            (try reader.int(), try reader.int())
        }) {
            buckets[key] = value
        }
    }
}
