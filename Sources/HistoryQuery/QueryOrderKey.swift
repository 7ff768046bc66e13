/// What `order_by` sorts on: a metric or a dimension of the query.
public enum QueryOrderKey: Sendable, Equatable {
    case metric(QueryMetric)
    case dimension(QueryDimension)
}
