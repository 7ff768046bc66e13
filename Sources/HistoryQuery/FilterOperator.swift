/// How a filter compares a dimension with its values.
public enum FilterOperator: String, CaseIterable, Sendable {
    case `is`
    case isNot = "is_not"
    case contains
    case containsNot = "contains_not"

    public var isNegated: Bool { self == .isNot || self == .containsNot }
}
