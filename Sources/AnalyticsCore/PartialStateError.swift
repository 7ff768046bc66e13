/// Why a partial state read from the partials topic could not be used.
public enum PartialStateError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes end before the state does.
    case truncated
    /// Not a partial state, or one written by a newer version of the consumer.
    case unsupportedFormat(String)
    /// A field holds a value no writer produces.
    case corrupt(String)

    public var description: String {
        switch self {
        case .truncated: return "partial state is truncated"
        case .unsupportedFormat(let detail): return "not a partial state this consumer can read (\(detail))"
        case .corrupt(let detail): return "partial state is corrupt (\(detail))"
        }
    }
}
