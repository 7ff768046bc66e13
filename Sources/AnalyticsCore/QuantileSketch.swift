import Foundation

/// Quantiles of non-negative values (page-load times) in bounded memory, to a fixed relative
/// accuracy: a DDSketch with logarithmic buckets.
///
/// It exists because a median or p95 over every value ever seen would need every value. With the
/// default accuracy of 1%, every quantile it reports is within 1% of a true value of that rank,
/// using one counter per bucket: about 2,100 buckets cover 1 µs to 1 week in milliseconds.
/// Sketches merge by adding buckets, so partial sketches from several consumers combine exactly.
///
/// Values above `maximum` are refused like negative ones, so the running sum and every bucket's
/// value stay finite whatever is added or merged: a sum of at most 2^63 values of at most
/// `maximum` each (1e15 at most) cannot overflow a `Double`.
public struct QuantileSketch: Sendable, Equatable {
    public let relativeAccuracy: Double
    /// The largest value counted.
    public let maximum: Double
    private let gamma: Double
    private let logGamma: Double
    private var buckets: [Int: Int] = [:]
    private var zeros = 0
    public private(set) var count = 0
    public private(set) var sum = 0.0

    /// Values at most this are counted as zero.
    private static let zeroThreshold = 1e-9

    public init(relativeAccuracy: Double = 0.01, maximum: Double = 1e12) {
        self.relativeAccuracy = min(max(relativeAccuracy, 0.0001), 0.5)
        self.maximum = maximum.isFinite ? min(max(maximum, 1), 1e15) : 1e15
        gamma = (1 + self.relativeAccuracy) / (1 - self.relativeAccuracy)
        logGamma = log(gamma)
    }

    /// Adds a value; negative, non-finite or values above `maximum` are ignored, tiny ones count
    /// as zero. Returns whether the value was counted.
    @discardableResult
    public mutating func add(_ value: Double) -> Bool {
        guard value.isFinite, value >= 0, value <= maximum else { return false }
        count += 1
        sum += value
        guard value > Self.zeroThreshold else {
            zeros += 1
            return true
        }
        buckets[key(of: value), default: 0] += 1
        return true
    }

    /// The value at quantile `q` (0...1), or nil when empty.
    public func quantile(_ q: Double) -> Double? {
        guard count > 0 else { return nil }
        let rank = Int((min(max(q.isNaN ? 0 : q, 0), 1) * Double(count - 1)).rounded(.down))
        if rank < zeros { return 0 }
        var seen = zeros
        for key in buckets.keys.sorted() {
            seen += buckets[key] ?? 0
            if seen > rank {
                // The bucket (gamma^(k-1), gamma^k] is represented by the value whose relative
                // error to both ends is the accuracy; never above the largest value counted.
                return min(2 * pow(gamma, Double(key)) / (gamma + 1), maximum)
            }
        }
        return nil
    }

    public var average: Double { count > 0 ? sum / Double(count) : 0 }

    /// Adds another sketch's values; one with another accuracy or maximum is left out (its
    /// buckets mean other ranges), which the caller can tell from the result.
    @discardableResult
    public mutating func merge(_ other: QuantileSketch) -> Bool {
        guard other.relativeAccuracy == relativeAccuracy, other.maximum == maximum else { return false }
        for (key, value) in other.buckets { buckets[key, default: 0] += value }
        zeros += other.zeros
        count += other.count
        sum += other.sum
        return true
    }

    private func key(of value: Double) -> Int {
        Int((log(value) / logGamma).rounded(.up))
    }

    /// The keys a counted value can have.
    private var keys: ClosedRange<Int> { key(of: Self.zeroThreshold.nextUp)...key(of: maximum) }
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

    /// Reads a published sketch, checking that it is one `add` and `merge` could have made with
    /// this `maximum`: counts that add up, keys in range, a finite sum no larger than the count
    /// allows. A sketch that fails is refused rather than merged into every member's figures.
    init(maximum: Double, from reader: inout PartialReader) throws(PartialStateError) {
        let accuracy = try reader.double()
        guard accuracy.isFinite, accuracy > 0, accuracy < 1 else { throw .corrupt("quantile accuracy") }
        self.init(relativeAccuracy: accuracy, maximum: maximum)
        zeros = try reader.tally("load-time zeros")
        count = try reader.tally("load-time samples")
        sum = try reader.double()
        guard sum.isFinite, sum >= 0, sum <= Double(count) * self.maximum else {
            throw .corrupt("load-time sum \(sum) for \(count) samples")
        }
        let keys = keys
        var counted = zeros
        for (key, value) in try reader.sequence({ reader throws(PartialStateError) in
            (try reader.int(), try reader.tally("load-time bucket"))
        }) {
            guard keys.contains(key), value > 0, buckets[key] == nil else { throw .corrupt("load-time bucket \(key)") }
            buckets[key] = value
            counted += value
            guard counted <= count else { throw .corrupt("load-time buckets hold more than \(count) samples") }
        }
        guard counted == count else { throw .corrupt("load-time buckets hold \(counted) of \(count) samples") }
    }
}
