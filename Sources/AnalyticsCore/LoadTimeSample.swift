/// Page-load times: an exact running average and the median of the most recent `capacity` values.
///
/// It exists so that performance metrics use bounded memory however many events arrive.
struct LoadTimeSample: Sendable {
    private let capacity: Int
    private var recent: [Double] = []
    private var next = 0
    private var count = 0
    private var sum = 0.0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    mutating func add(_ value: Double) {
        count += 1
        sum += value
        if recent.count < capacity {
            recent.append(value)
        } else {
            recent[next] = value
            next = (next + 1) % capacity
        }
    }

    var metrics: StatsSnapshot.PerformanceMetrics {
        guard count > 0 else { return StatsSnapshot.PerformanceMetrics() }
        let sorted = recent.sorted()
        let middle = sorted.count / 2
        let median = sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
        return StatsSnapshot.PerformanceMetrics(
            samples: count, averageLoadTime: sum / Double(count), medianLoadTime: median)
    }
}
