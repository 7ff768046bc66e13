/// The k-th smallest of some values without sorting them all: the session window needs only the
/// last-seen time that separates the sessions it evicts from those it keeps, and sorting every
/// open session's time each time the window fills was a tenth of the consumer's aggregation time
/// on a million users.
public enum KthSmallest {
    /// The value that would be at `k` (0-based) if `values` were sorted ascending; nil when `k` is
    /// out of range. Quickselect with a median-of-three pivot, O(n) on average; after 2·log₂ n
    /// partitions without converging it sorts what is left, so hostile input costs O(n log n).
    public static func of(_ values: [Double], _ k: Int) -> Double? {
        guard k >= 0, k < values.count else { return nil }
        var values = values
        var low = 0
        var high = values.count - 1
        var budget = 2 * (Int.bitWidth - values.count.leadingZeroBitCount)
        while low < high {
            if budget == 0 {
                values[low...high].sort()
                return values[k]
            }
            budget -= 1
            let pivot = medianOfThree(values[low], values[low + (high - low) / 2], values[high])
            // Hoare partition: afterwards everything in low...j is <= pivot, j+1...high >= pivot.
            var i = low
            var j = high
            while i <= j {
                while values[i] < pivot { i += 1 }
                while values[j] > pivot { j -= 1 }
                if i <= j {
                    values.swapAt(i, j)
                    i += 1
                    j -= 1
                }
            }
            if k <= j {
                high = j
            } else if k >= i {
                low = i
            } else {
                return values[k]  // between the two parts: equal to the pivot
            }
        }
        return values[k]
    }

    private static func medianOfThree(_ a: Double, _ b: Double, _ c: Double) -> Double {
        max(min(a, b), min(max(a, b), c))
    }
}
