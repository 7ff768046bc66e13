/// One count a statement returns for each group and period, in the order of `allCases`: the
/// figures `QueryResults` turns into metrics. A statement works out only the counts its metrics
/// need (`QuerySQL.neededCounts`) and writes the others as `zero`.
public enum QueryCount: String, CaseIterable, Sendable {
    case visitors
    case pageviews
    case events
    case visits
    case bounces
    case duration
    case baseVisitors = "base_visitors"

    /// The constant of the count's type that stands for it when it is not needed.
    var zero: String { self == .duration ? "toInt64(0)" : "toUInt64(0)" }
}
