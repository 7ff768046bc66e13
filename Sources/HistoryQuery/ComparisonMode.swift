/// The other period a query's results are compared with.
public enum ComparisonMode: String, Sendable {
    case previousPeriod = "previous_period"
    case yearOverYear = "year_over_year"
}
