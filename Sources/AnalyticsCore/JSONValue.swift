import Foundation

/// A free-form JSON value, used for an event's `metadata`.
///
/// It exists because event metadata is whatever a website chooses to send, yet it must still be
/// measured (keys, nesting, size), stored, and re-encoded exactly, which `Any` cannot do safely.
/// `JSONParser` reads it and `JSONWriter` writes it.
public enum JSONValue: Sendable, Equatable, Hashable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    /// The value as a `Double` when it is a JSON number.
    public var doubleValue: Double? {
        switch self {
        case .integer(let value): return Double(value)
        case .number(let value): return value
        default: return nil
        }
    }

    /// Nesting depth: a scalar is 0, an object or array is 1 plus the depth of its deepest child.
    public var depth: Int {
        switch self {
        case .array(let values): return 1 + (values.map(\.depth).max() ?? 0)
        case .object(let members): return 1 + (members.values.map(\.depth).max() ?? 0)
        default: return 0
        }
    }
}
