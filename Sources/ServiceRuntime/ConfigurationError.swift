/// A setting that a service refuses to start with.
///
/// The message names the variable, the value and what is allowed, in one line, as design §2 asks.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public var variable: String
    public var value: String
    public var allowed: String

    public init(variable: String, value: String, allowed: String) {
        self.variable = variable
        self.value = value
        self.allowed = allowed
    }

    public var description: String {
        "invalid \(variable)=\"\(value)\": expected \(allowed)"
    }
}
