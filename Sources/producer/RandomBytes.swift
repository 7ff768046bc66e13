import AnalyticsCore
import Glibc

/// One thread's unused random bytes; only its thread touches it.
final class RandomBytes {
    private var words = [UInt64](repeating: 0, count: 512)
    private var next = 512

    /// The next 16 random bytes, refilling the 4 KiB when they are used up.
    func take(refill: EventIDSource.Fill) -> (high: UInt64, low: UInt64) {
        if next + 2 > words.count {
            words.withUnsafeMutableBytes { refill($0) }
            next = 0
        }
        defer { next += 2 }
        return (words[next], words[next + 1])
    }
}
